/** Live mode: the activation desk refuses rehearsal and test-KDF escrow files before anyone joins (issue 16). */
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import type { WorkstationMode } from '../../../shared/escrow/mode-policy';
import { sealKey } from '../escrow/seal';
import { PASS } from '../escrow/testing/helpers';
import { fixedClock } from '../platform/clock';
import { createCeremonyTranscripts } from '../transcript/index';
import { testSecretBox } from '../transcript/test-support';
import { createParticipantsService } from '../participants/index';
import { createActivationService } from './index';
import { createActivationDesk } from './desk';
import { testWorkstation } from './test-support';

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(mode: WorkstationMode, environment?: 'rehearsal') {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kh-desk-mode-'));
  dirs.push(dataDir);
  const clock = fixedClock(new Date('2026-12-06T10:00:00Z'));
  const transcript = createCeremonyTranscripts({ dataDir, secretBox: testSecretBox(), clock });
  const ws = testWorkstation();
  const participants = createParticipantsService({ dataDir, clock, kdf: { N: 2 ** 10, r: 8, p: 1 }, workstation: () => ws });
  const desk = createActivationDesk({ activation: createActivationService({ transcript, clock }), participants, transcript, mode });
  const file = path.join(dataDir, 'copy.khescrow');
  const escrow = await sealKey(rsa, { keyId: crypto.randomUUID(), purpose: 'Key-holder copy for Holder', created: new Date(), ...(environment ? { environment } : {}) }, [{ name: 'Holder', passphrase: PASS[0]! }], 1, TEST_KDF);
  writeFileSync(file, serializeEscrow(escrow));
  return { desk, file };
}

describe('activation desk by workstation mode', () => {
  it('live mode refuses a rehearsal copy and a test-KDF copy at the start', async () => {
    const marked = await setup('live', 'rehearsal');
    await expect(marked.desk.start({ mode: 'split-knowledge', escrowFile: marked.file, purpose: { kind: 'escrow-restore', target: 't' } })).rejects.toMatchObject({ code: 'escrow.rehearsal_file' });
    const weak = await setup('live');
    await expect(weak.desk.start({ mode: 'split-knowledge', escrowFile: weak.file, purpose: { kind: 'escrow-restore', target: 't' } })).rejects.toMatchObject({ code: 'escrow.kdf_below_production' });
  });

  it('rehearsal mode starts with the same rehearsal copy', async () => {
    const { desk, file } = await setup('rehearsal', 'rehearsal');
    const v = await desk.start({ mode: 'split-knowledge', escrowFile: file, purpose: { kind: 'escrow-restore', target: 't' } });
    expect(v.step).toBe('operator-request');
  });
});
