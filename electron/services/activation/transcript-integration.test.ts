import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixedClock } from '../platform/clock';
import { createCeremonyTranscripts } from '../transcript/index';
import { testSecretBox } from '../transcript/test-support';
import { createParticipantsService } from '../participants/index';
import { createActivationService } from './index';
import { fakeSealedCopy, testWorkstation } from './test-support';
import type { Role } from '../../../shared/transcript/entry';
import type { ActivationSession } from './session';

describe('a supervised activation recorded in the ceremony transcript', () => {
  it('records the signed joins and attestation before the import, and the transcript verifies', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'kh-act-'));
    const clock = fixedClock(new Date('2026-11-27T10:00:00Z'));
    const ws = testWorkstation();
    const transcripts = createCeremonyTranscripts({ dataDir, secretBox: testSecretBox(), clock });
    const participants = createParticipantsService({ dataDir, clock, kdf: { N: 2 ** 10, r: 8, p: 1 }, workstation: () => ws });
    const activations = createActivationService({ transcript: transcripts, clock });

    const { ceremony, path: file } = await transcripts.open({ app: 'Key Holder' });
    for (const [kind, data] of [
      ['worksheet.saved', { holder: 1 }],
      ['worksheet.saved', { holder: 2 }],
      ['key.generated', { fingerprint: 'F1' }],
      ['escrow.written', { fingerprint: 'F1' }],
      ['escrow.test-restored', { fingerprint: 'F1' }],
    ] as const) await transcripts.append(ceremony, kind, data);
    expect(transcripts.progress(ceremony).find((p) => p.id === 'activation-attested:1')!.state).toBe('blocked');
    await transcripts.append(ceremony, 'holder-copy.written', { holder: 1, fingerprint: 'F1' });
    // The vault is registered with the vendor before the activation that imports into it (the seed's order).
    await transcripts.append(ceremony, 'registration.done', { holder: 1, registrationId: 'r1', vaultDnsName: 'holder1.vault', status: 'approved', decidedAt: '2026-12-06T10:00:00.000Z' });

    const people: Record<Role, string> = { operator: 'Olive Operator', supervisor: 'Sam Supervisor', keeper: 'Kim Keeper', knower: 'Noor Knower' };
    const ids = {} as Record<Role, string>;
    for (const role of Object.keys(people) as Role[]) ids[role] = (await participants.enrol(people[role], `${people[role]} signing passphrase`, [role])).id;
    expect(participants.list()).toHaveLength(4);
    const join = async (s: ActivationSession, role: Role) => {
      const signer = await participants.unlock(ids[role], `${people[role]} signing passphrase`);
      s.join(signer.attest(role, s.joinStatement(role, signer)));
      return signer;
    };

    const copy = fakeSealedCopy('knower passphrase');
    const s = activations.start({
      ceremony,
      purpose: { kind: 'vault-import', target: 'holder1-vault/cmk', holder: 1 },
      source: copy.source,
      plan: participants.plan().plan,
      onPurpose: async () => {
        const r = await transcripts.append(ceremony, 'vault.imported', { holder: 1, fingerprint: 'F1', keyVersionId: 'https://holder1.vault/keys/cmk/0a1b' });
        return { keyVersionId: 'https://holder1.vault/keys/cmk/0a1b', transcriptSeq: r.seq };
      },
    });
    await join(s, 'operator');
    const supervisor = await join(s, 'supervisor');
    await join(s, 'keeper');
    s.presentSealedCopy(ids.keeper, 'copy-fp-1');
    await join(s, 'knower');
    await s.enterPassphrase(ids.knower, 'knower passphrase');
    // Importing before the attestation is recorded is refused by the ceremony table too.
    await expect(transcripts.append(ceremony, 'vault.imported', { holder: 1 })).rejects.toMatchObject({ code: 'ceremony.step_out_of_order' });
    await s.attest(supervisor.attest('supervisor', s.attestationStatement()));
    await s.carryOut();
    expect(copy.handedOut.every((b) => b.every((x) => x === 0))).toBe(true);
    expect(activations.get(s.id).state.step).toBe('done');

    const { finalHash } = await transcripts.close(ceremony, 'abandoned');
    const r = transcripts.verify(file, { expectedFinalHash: finalHash });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.kinds.slice(-4)).toEqual(['activation.attested', 'vault.imported', 'activation.completed', 'ceremony.closed']);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('knower passphrase');
    const attested = JSON.parse(text.split('\n').find((l) => l.includes('"activation.attested"'))!);
    expect(attested.attestations.map((a: { role: string }) => a.role)).toEqual(['operator', 'supervisor', 'keeper', 'knower', 'supervisor']);

    // A forged attestation (statement changed after signing) is refused before anything is signed.
    const forged = { ...attested.attestations[4], statement: { ...attested.attestations[4].statement, checkValues: ['000000'] } };
    const c2 = await transcripts.open();
    await expect(transcripts.append(c2.ceremony, 'note.added', {}, [{ ...forged, statement: { ...forged.statement, ceremony: c2.ceremony } }])).rejects.toMatchObject({ code: 'transcript.bad_attestation' });
    await expect(transcripts.append(c2.ceremony, 'note.added', {}, [attested.attestations[4]])).rejects.toMatchObject({ code: 'transcript.bad_attestation' });
  });
});
