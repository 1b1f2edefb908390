/**
 * MSAL's token cache, persisted only through the SecretBox (Electron
 * safeStorage in the app). Refresh tokens let anyone holding the file act as
 * the holder in their tenant, so there is no plain-text fallback: when the box
 * is unavailable, signing in is refused before anything reaches the disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import type { SecretBox } from '../platform/secret-box';
import { KeyholderError } from '../../../shared/errors/index';

export function secretStoreUnavailable(box: SecretBox): KeyholderError {
  const why = box.unavailableReason?.() ?? 'this computer offers no protected storage for secrets';
  return new KeyholderError(
    'identity.secret_store_unavailable',
    `Key Holder cannot keep your sign-in safely: ${why}. Nothing was saved. Unlock or set up the system keychain, then sign in again.`,
  );
}

export class SecretBoxCachePlugin implements ICachePlugin {
  constructor(
    private readonly box: SecretBox,
    readonly file: string,
  ) {}

  async beforeCacheAccess(ctx: TokenCacheContext): Promise<void> {
    if (!fs.existsSync(this.file)) return;
    if (!this.box.isAvailable()) throw secretStoreUnavailable(this.box);
    let text: string;
    try {
      text = this.box.decrypt(new Uint8Array(fs.readFileSync(this.file)));
    } catch {
      // A cache sealed on another computer or by another user cannot be opened; it only
      // means signing in again, so it is set aside rather than blocking the holder.
      fs.renameSync(this.file, `${this.file}.unreadable-${Date.now()}`);
      return;
    }
    ctx.tokenCache.deserialize(text);
  }

  async afterCacheAccess(ctx: TokenCacheContext): Promise<void> {
    if (!ctx.cacheHasChanged) return;
    if (!this.box.isAvailable()) throw secretStoreUnavailable(this.box);
    const sealed = this.box.encrypt(ctx.tokenCache.serialize());
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, sealed, { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  clear(): void {
    fs.rmSync(this.file, { force: true });
  }
}
