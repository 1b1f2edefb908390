/**
 * Vault-side backup of this workstation's key store: the key vault's own
 * backup of the key (every version), saved where the holder chooses, 0600.
 *
 * It is a second, independent copy beside the escrow, not a substitute: Azure
 * restores such a backup only into a vault of the same subscription and
 * geography, and Key Holder can neither open it nor check what is inside. The
 * escrow (opened by the custodians) remains the copy that survives losing the
 * subscription. The blob is opaque and encrypted by the vault, so writing it
 * to disk exposes no key material; the file is still written owner-only.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import type { JsonObject } from '../../../shared/transcript/canonical';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import type { KeyStoreLifecycleProvider } from '../vault/provider';
import { writePrivateFile } from '../platform/private-file';
import { parseKeyVersionId, type HeldKeyStore } from './service';

export interface VaultBackupDeps {
  dataDir: string;
  clock: Clock;
  log: Logger;
  provider: () => KeyStoreLifecycleProvider;
  held: () => HeldKeyStore;
  record: (kind: string, data: JsonObject) => Promise<void>;
  /** Asks the holder where to save; null when they cancel. Without it (bridge, CLI) the file goes to <dataDir>/exports. */
  chooseSavePath?(suggestedName: string, kind: 'keybackup'): Promise<string | null>;
}

export interface VaultBackupResult {
  saved: boolean;
  path?: string;
  bytes?: number;
  /** SHA-256 of the file, recorded in the lifecycle transcript so the copy can be recognised later. */
  sha256?: string;
  keyName: string;
  vaultHost: string;
  at?: string;
  /** What the copy is and is not, in the holder's words. */
  note: string;
}

const VAULT_BACKUP_NOTE =
  'A second copy made by the vault itself, beside the escrow. It restores only into a vault of the same Azure subscription and geography, and Key Holder cannot open or check it: it does not replace the escrow.';

function writeBackup(target: string, data: Uint8Array): void {
  try {
    writePrivateFile(target, data);
  } catch (e) {
    throw new KeyholderError('lifecycle.backup_write_failed', `The vault backup could not be written to ${target} (${(e as NodeJS.ErrnoException).code ?? 'error'}). Choose another folder; the vault was not changed.`);
  }
}

export class VaultBackupService {
  constructor(private readonly deps: VaultBackupDeps) {}

  /** Asks where to save, then has the vault back the key up and writes the blob there (0600). */
  async backUp(): Promise<VaultBackupResult> {
    const held = this.deps.held();
    const p = parseKeyVersionId(held.keyVersionId);
    const provider = this.deps.provider();
    if (!provider.backupKey) {
      throw new KeyholderError('lifecycle.backup_unsupported', 'This key store offers no backup of its own. Your escrow remains the copy of the key; nothing was changed.');
    }
    const vaultName = p.vaultHost.split('.')[0] ?? 'vault';
    const suggested = `${vaultName}-${p.keyName}-${this.deps.clock.now().toISOString().slice(0, 10)}.keybackup`;
    let target: string | null;
    if (this.deps.chooseSavePath) target = await this.deps.chooseSavePath(suggested, 'keybackup');
    else {
      const dir = path.join(this.deps.dataDir, 'exports');
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      target = path.join(dir, suggested);
    }
    if (!target) return { saved: false, keyName: p.keyName, vaultHost: p.vaultHost, note: VAULT_BACKUP_NOTE };
    const blob = await provider.backupKey({ location: p.vaultUrl, keyName: p.keyName });
    writeBackup(target, blob);
    const sha256 = crypto.createHash('sha256').update(blob).digest('hex');
    const at = this.deps.clock.now().toISOString();
    await this.deps.record('key-store.backed-up', { holder: held.holder, keyVersionId: held.keyVersionId, bytes: blob.length, sha256 });
    this.deps.log.info('vault backup saved', { holder: held.holder, keyName: p.keyName, bytes: blob.length });
    return { saved: true, path: target, bytes: blob.length, sha256, keyName: p.keyName, vaultHost: p.vaultHost, at, note: VAULT_BACKUP_NOTE };
  }
}
