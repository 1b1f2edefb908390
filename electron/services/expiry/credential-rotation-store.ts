/**
 * Where a rotation in progress lives between steps, days and restarts:
 * `<dataDir>/expiry/rotations/<rotationId>.json`, written atomically after
 * every event (pass `save` as the runner's `persist`). No secret text is in
 * it: the new secret is sealed through the SecretBox by the ports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import { credentialRotationStateSchema, type CredentialRotationState } from '../../../shared/expiry/credential-rotation';
import { readFileOrNull, writeFileAtomic } from './atomic-file';

export interface CredentialRotationStore {
  save(state: CredentialRotationState): Promise<void>;
  load(rotationId: string): CredentialRotationState | null;
  /** CredentialRotations not yet done or rolled back, to offer "resume" at start. */
  unfinished(): CredentialRotationState[];
  /** Every rotation on this workstation, newest first. */
  all(): CredentialRotationState[];
  /** Forgets a rotation (only one abandoned before anything of it was delivered). */
  remove(rotationId: string): void;
}

export function fileCredentialRotationStore(dataDir: string): CredentialRotationStore {
  const dir = path.join(dataDir, 'expiry', 'rotations');
  const file = (id: string) => {
    if (!/^[A-Za-z0-9-]{6,64}$/.test(id)) throw new KeyholderError('rotation.bad_id', 'That rotation id is not one Key Holder made.');
    return path.join(dir, `${id}.json`);
  };
  const parse = (text: string, id: string): CredentialRotationState => {
    try {
      return credentialRotationStateSchema.parse(JSON.parse(text));
    } catch {
      throw new KeyholderError(
        'rotation.state_unreadable',
        `The saved state of rotation ${id} is damaged. Nothing was changed in Azure by reading it; check the application's secrets in the Azure portal before starting a new rotation.`,
        { rotationId: id },
      );
    }
  };
  const all = (): CredentialRotationState[] => {
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => parse(fs.readFileSync(path.join(dir, f), 'utf8'), f.slice(0, -5)))
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  };
  return {
    async save(state) {
      writeFileAtomic(file(state.rotationId), JSON.stringify(credentialRotationStateSchema.parse(state), null, 2) + '\n');
    },
    load(id) {
      const text = readFileOrNull(file(id));
      return text === null ? null : parse(text, id);
    },
    remove(id) {
      fs.rmSync(file(id), { force: true });
    },
    unfinished: () => all().filter((s) => s.phase !== 'done' && s.phase !== 'rolled-back'),
    all,
  };
}
