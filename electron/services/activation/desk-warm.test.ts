/**
 * The first enrolment must not pay for building the passphrase strength
 * estimator (`npm run bench`: seconds on a busy machine, ten times one
 * check): showing the ceremony plan, which sits above the enrolment form,
 * builds it. The check itself still runs on every enrolment.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import * as policy from '../../../shared/escrow/policy';
import { fixedClock } from '../platform/clock';
import { createCeremonyTranscripts } from '../transcript/index';
import { testSecretBox } from '../transcript/test-support';
import { createParticipantsService } from '../participants/index';
import { createActivationService } from './index';
import { createActivationDesk } from './desk';

vi.mock('../../../shared/escrow/policy', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../shared/escrow/policy')>();
  return { ...real, warmPassphraseEstimator: vi.fn(real.warmPassphraseEstimator), requireAcceptablePassphrase: vi.fn(real.requireAcceptablePassphrase) };
});

describe('passphrase strength estimator warm-up', () => {
  it('is started when the ceremony plan is shown, and every enrolment is still checked', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'kh-warm-'));
    const clock = fixedClock(new Date('2026-12-06T10:00:00Z'));
    const transcript = createCeremonyTranscripts({ dataDir, secretBox: testSecretBox(), clock });
    const key = () => ({ label: 'ws', publicKey: transcript.ceremonyKey().publicKey, sign: transcript.ceremonyKey().sign });
    const participants = createParticipantsService({ dataDir, clock, kdf: { N: 2 ** 10, r: 8, p: 1 }, workstation: key });
    const desk = createActivationDesk({ activation: createActivationService({ transcript, clock, workstation: key }), participants, transcript, clock });
    expect(policy.warmPassphraseEstimator).not.toHaveBeenCalled();
    desk.plan();
    expect(policy.warmPassphraseEstimator).toHaveBeenCalledTimes(1);
    await policy.warmPassphraseEstimator();
    // Warm or not, the rule is applied at enrolment: twelve a's are refused.
    await expect(desk.enrol({ name: 'Mallory', roles: ['supervisor'], participantPassphrase: 'aaaaaaaaaaaa' })).rejects.toMatchObject({ code: 'participant.weak_passphrase' });
    expect(policy.requireAcceptablePassphrase).toHaveBeenCalledWith('aaaaaaaaaaaa', 'Mallory', expect.any(Array));
  });
});
