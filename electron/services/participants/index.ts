/**
 * Enrolled participants of this workstation, one participant-v1 file each
 * under <dataDir>/participants/. A participant from elsewhere brings their
 * own file; the file is useless without its passphrase.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import { attemptKey, processPassphraseThrottle, type PassphraseThrottle } from '../escrow/throttle';
import { enrolParticipant, openParticipant, parseParticipantFile, serializeParticipantFile, type ParticipantIdentity, type ParticipantSigner, type ScryptCost } from './participant-file';

export interface ParticipantsService {
  enrol(name: string, passphrase: string | Uint8Array): Promise<ParticipantIdentity>;
  list(): ParticipantIdentity[];
  unlock(id: string, passphrase: string | Uint8Array): Promise<ParticipantSigner>;
}

export function createParticipantsService(deps: { dataDir: string; clock: { now(): Date }; kdf?: ScryptCost; throttle?: PassphraseThrottle }): ParticipantsService {
  // A participant key signs attestations; its passphrase must not be guessable through the desk at KDF speed.
  const throttle = deps.throttle ?? processPassphraseThrottle;
  const dir = path.join(deps.dataDir, 'participants');
  const fileOf = (id: string) => {
    if (!/^p-[0-9a-f-]{36}$/.test(id)) throw new KeyholderError('participant.not_found', 'No such participant on this workstation.');
    return path.join(dir, `${id}.json`);
  };
  const load = (id: string) => {
    const f = fileOf(id);
    if (!existsSync(f)) throw new KeyholderError('participant.not_found', 'No such participant on this workstation. Enrol them first, or load their participant file.');
    return parseParticipantFile(readFileSync(f, 'utf8'));
  };
  return {
    async enrol(name, passphrase) {
      const { file, identity } = await enrolParticipant({ name, passphrase, now: deps.clock.now(), ...(deps.kdf ? { kdf: deps.kdf } : {}) });
      mkdirSync(dir, { recursive: true });
      const f = fileOf(file.id);
      writeFileSync(f + '.tmp', serializeParticipantFile(file), { mode: 0o600 });
      renameSync(f + '.tmp', f);
      return identity;
    },
    list() {
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .filter((n) => /^p-[0-9a-f-]{36}\.json$/.test(n))
        .map((n) => {
          const p = parseParticipantFile(readFileSync(path.join(dir, n), 'utf8'));
          return { id: p.id, name: p.name, key: p.publicKey };
        });
    },
    unlock: async (id, passphrase) => {
      const f = fileOf(id);
      const file = load(id);
      return throttle.run(attemptKey(readFileSync(f), 'participant'), () => openParticipant(file, passphrase));
    },
  };
}
