/**
 * The new client secret between Graph's addPassword (which shows its text
 * once) and worksheet line 4: sealed through the SecretBox under the
 * rotation's id, beside the rotation's state. Only the keyId and the hint
 * (the first three characters, which Graph and the Azure portal show anyway)
 * are readable; the text never leaves the Node side.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { KeyholderError } from '../../../shared/errors/index';
import type { SecretBox } from '../platform/secret-box';
import { readFileOrNull, writeFileAtomic } from '../expiry/atomic-file';

const keptSchema = z.object({ version: z.literal(1), keyId: z.string(), hint: z.string(), sealed: z.string() });

export interface KeptSecret {
  keyId: string;
  hint: string;
}

export interface SecretKeeper {
  /** Refuses (before anything is added in Azure) when the secret cannot be kept safely. */
  requireAvailable(): void;
  keep(rotationId: string, keyId: string, text: string): void;
  info(rotationId: string): KeptSecret | null;
  /** The text, for the control plane and the worksheet only. */
  open(rotationId: string, keyId: string): string;
  forget(rotationId: string): void;
}

export function fileSecretKeeper(dataDir: string, box: SecretBox): SecretKeeper {
  const file = (id: string) => {
    if (!/^[A-Za-z0-9-]{6,64}$/.test(id)) throw new KeyholderError('rotation.bad_id', 'That rotation id is not one Key Holder made.');
    return path.join(dataDir, 'expiry', 'rotations', `${id}.secret`);
  };
  const read = (id: string) => {
    const text = readFileOrNull(file(id));
    if (text === null) return null;
    const parsed = keptSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new KeyholderError('rotation.secret_unreadable', 'The kept new secret of this rotation is damaged. Continue the rotation: Key Holder removes that secret in Azure and adds a fresh one.');
    return parsed.data;
  };
  const requireAvailable = () => {
    if (!box.isAvailable()) {
      throw new KeyholderError('rotation.secret_storage_unavailable', box.unavailableReason?.() ?? 'This computer offers no secure storage, so Key Holder cannot keep a new client secret. Nothing was added in Azure.');
    }
  };
  return {
    requireAvailable,
    keep(id, keyId, text) {
      requireAvailable();
      const sealed = Buffer.from(box.encrypt(text)).toString('base64');
      writeFileAtomic(file(id), JSON.stringify({ version: 1, keyId, hint: text.slice(0, 3), sealed }) + '\n');
    },
    info(id) {
      const k = read(id);
      return k ? { keyId: k.keyId, hint: k.hint } : null;
    },
    open(id, keyId) {
      const k = read(id);
      if (!k || k.keyId !== keyId) {
        throw new KeyholderError('rotation.secret_missing', 'Key Holder no longer holds the new secret of this rotation. Continue the rotation from the start of step 2: it removes that secret in Azure and adds a fresh one.');
      }
      requireAvailable();
      try {
        return box.decrypt(Buffer.from(k.sealed, 'base64'));
      } catch {
        throw new KeyholderError('rotation.secret_unreadable', 'The new secret cannot be opened on this computer (the OS keychain is locked or changed). Unlock it and try again.');
      }
    },
    forget(id) {
      fs.rmSync(file(id), { force: true });
    },
  };
}
