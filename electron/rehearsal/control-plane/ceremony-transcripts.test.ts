/**
 * POST/GET /v1/ceremony-transcripts: each holder's workstation puts its signed
 * transcript with the ceremony plan, the first plan is pinned for the
 * environment, a changed plan is refused with what changed, a tampered
 * transcript or one from a workstation outside the plan is refused, and the
 * stored copies are sealed at rest. Keys made here with node:crypto (the
 * rehearsal cloud never imports the app's crypto helpers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { toBase64Url } from '../../../shared/transcript/canonical';
import { attestationSigningBytes, genesisHash, lineHash, signEntry } from '../../../shared/transcript/entry';
import { enrolmentStatement, PLAN_FORMAT, type CeremonyPlan, type PlanParticipant } from '../../../shared/ceremony/plan';
import { signBundle, type TranscriptBundle } from '../../../shared/transcript/bundle';
import { ADMIN, startHarness, type Harness } from './testing/harness';

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64url') };
}
type Pair = ReturnType<typeof keyPair>;
const signer = (k: KeyObject) => (m: Uint8Array) => new Uint8Array(sign(null, m, k));

function participant(name: string, roles: PlanParticipant['roles']): PlanParticipant {
  const k = keyPair();
  const base = { id: `p-${'0'.repeat(8)}-0000-4000-8000-${Buffer.from(name).toString('hex').padEnd(12, '0').slice(0, 12)}`, name, roles, key: k.publicKey, enrolled: '2026-12-06T09:00:00.000Z' };
  return { ...base, proof: toBase64Url(signer(k.privateKey)(attestationSigningBytes(enrolmentStatement(base)))) };
}

function transcript(ws: Pair, ceremony: string, kinds: string[]): string {
  const lines: string[] = [];
  ['ceremony.opened', ...kinds].forEach((kind, seq) => {
    const at = new Date(Date.UTC(2026, 11, 6, 9, seq)).toISOString();
    lines.push(signEntry({ v: 1, ceremony, seq, at, kind, data: { holder: 1 }, prev: seq ? lineHash(lines[seq - 1]!) : genesisHash(ceremony), signer: ws.publicKey }, signer(ws.privateKey)).line);
  });
  return lines.map((l) => l + '\n').join('');
}

function bundle(ws: Pair, label: string, text: string, plan: CeremonyPlan): TranscriptBundle {
  return signBundle(
    { format: 'keyholder-transcript-bundle', v: 1, exportedAt: '2026-12-06T10:00:00.000Z', workstation: { label, key: ws.publicKey }, ceremony: JSON.parse(text.split('\n')[0]!).ceremony, planWorkstations: plan.workstations, transcript: text },
    signer(ws.privateKey),
  );
}

let h: Harness;
let dataDir: string;
const holder1 = keyPair();
const holder2 = keyPair();
const stranger = keyPair();
const supervisor = participant('Sam Supervisor', ['supervisor']);
const plan: CeremonyPlan = {
  format: PLAN_FORMAT,
  v: 1,
  participants: [supervisor],
  workstations: [
    { label: 'Holder 1 laptop', key: holder1.publicKey },
    { label: 'Holder 2 laptop', key: holder2.publicKey },
  ],
};
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cp-tr-'));
  h = await startHarness({ dataDir });
});
afterAll(async () => {
  await h?.close();
});
const enrol = async (environmentId: string, holder: 1 | 2) => (await h.api('POST', '/admin/enrolments', { environmentId, holder }, ADMIN)).json.token as string;

describe('POST/GET /v1/ceremony-transcripts', () => {
  it('keeps each holder’s workstation transcript and gives both holders every workstation’s, sealed at rest', async () => {
    const [t1, t2] = [await enrol('env-tr', 1), await enrol('env-tr', 2)];
    const text1 = transcript(holder1, 'ceremony-holder-one', ['worksheet.saved', 'registration.done']);
    const put1 = await h.api('POST', '/v1/ceremony-transcripts', { plan, bundle: bundle(holder1, 'Holder 1 laptop', text1, plan) }, t1);
    expect(put1.status, JSON.stringify(put1.json)).toBe(200);
    expect(put1.json).toMatchObject({ workstation: 'Holder 1 laptop', entries: 3 });
    const text2 = transcript(holder2, 'ceremony-holder-two', ['worksheet.saved']);
    expect((await h.api('POST', '/v1/ceremony-transcripts', { plan, bundle: bundle(holder2, 'Holder 2 laptop', text2, plan) }, t2)).status).toBe(200);
    const got = await h.api('GET', '/v1/ceremony-transcripts', undefined, t1);
    expect(got.json.planFingerprint).toBe(put1.json.planFingerprint);
    expect(got.json.transcripts.map((b: TranscriptBundle) => b.workstation.label).sort()).toEqual(['Holder 1 laptop', 'Holder 2 laptop']);
    expect(got.json.transcripts.find((b: TranscriptBundle) => b.workstation.key === holder2.publicKey).transcript).toBe(text2);
    // Another environment sees none of it.
    expect((await h.api('GET', '/v1/ceremony-transcripts', undefined, await enrol('env-other', 1))).json).toEqual({ planFingerprint: null, transcripts: [] });
    // Sealed at rest: the state file names neither the entries nor the participants.
    const state = fs.readFileSync(path.join(dataDir, 'control-plane-state.json'), 'utf8');
    expect(state).not.toContain('registration.done');
    expect(state).not.toContain('ceremony-holder-two');
  });

  it('pins the first plan: a later plan that adds, removes or changes a participant is refused with what changed', async () => {
    const t1 = await enrol('env-pin', 1);
    const text = transcript(holder1, 'ceremony-pin-one', ['worksheet.saved']);
    expect((await h.api('POST', '/v1/ceremony-transcripts', { plan, bundle: bundle(holder1, 'Holder 1 laptop', text, plan) }, t1)).status).toBe(200);
    const added = { ...plan, participants: [...plan.participants, participant('Mallory Extra', ['knower'])] };
    const r = await h.api('POST', '/v1/ceremony-transcripts', { plan: added, bundle: bundle(holder1, 'Holder 1 laptop', text, added) }, t1);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('ceremony_plan_changed');
    expect(r.json.error.message).toContain('Mallory Extra (knower) was added');
    const removed = { ...plan, participants: [] };
    const r2 = await h.api('POST', '/v1/ceremony-transcripts', { plan: removed, bundle: bundle(holder1, 'Holder 1 laptop', text, removed) }, await enrol('env-pin', 2));
    expect(r2.status).toBe(409);
    expect(r2.json.error.message).toContain('Sam Supervisor (supervisor) was removed');
  });

  it('refuses a tampered transcript, a re-labelled file, a workstation not in the plan, a forged participant, and a fork', async () => {
    const t1 = await enrol('env-bad', 1);
    const text = transcript(holder1, 'ceremony-bad-one', ['worksheet.saved', 'registration.done']);
    const good = bundle(holder1, 'Holder 1 laptop', text, plan);
    const cases: [unknown, unknown, string][] = [
      [plan, { ...good, workstation: { ...good.workstation, label: 'Holder 2 laptop' } }, 'ceremony_transcript_invalid'],
      [plan, signBundle({ ...good, transcript: text.replace('registration.done', 'registration.dona') }, signer(holder1.privateKey)), 'ceremony_transcript_tampered'],
      [plan, bundle(stranger, 'Stranger', transcript(stranger, 'ceremony-stranger', []), plan), 'ceremony_transcript_not_in_plan'],
      [{ ...plan, participants: [{ ...supervisor, roles: ['supervisor', 'knower'] }] }, good, 'ceremony_plan_invalid'],
    ];
    for (const [p, b, code] of cases) {
      const r = await h.api('POST', '/v1/ceremony-transcripts', { plan: p, bundle: b }, t1);
      expect(r.status, code).toBe(400);
      expect(r.json.error.code).toBe(code);
    }
    expect((await h.api('POST', '/v1/ceremony-transcripts', { plan, bundle: good }, t1)).status).toBe(200);
    const fork = bundle(holder1, 'Holder 1 laptop', transcript(holder1, 'ceremony-bad-two', []), plan);
    const r = await h.api('POST', '/v1/ceremony-transcripts', { plan, bundle: fork }, t1);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('ceremony_transcript_forked');
    expect((await h.api('GET', '/v1/ceremony-transcripts', undefined, t1)).json.transcripts[0].transcript).toBe(text);
    expect((await h.api('POST', '/v1/ceremony-transcripts', { plan, bundle: good }, null)).status).toBe(401);
  });
});
