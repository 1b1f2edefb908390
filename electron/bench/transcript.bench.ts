/**
 * Transcript and activation figures: appending a signed entry (verify the
 * file, sign, fsync), verifying a whole ceremony-sized transcript, unlocking
 * a participant key at production cost, and the size of a sealed component
 * as carried in a QR code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import QRCode from 'qrcode';
import { fixedClock } from '../services/platform/clock';
import { createCeremonyTranscripts } from '../services/transcript/index';
import { testSecretBox } from '../services/transcript/test-support';
import { enrolParticipant, openParticipant, DEFAULT_PARTICIPANT_KDF } from '../services/participants/participant-file';
import { ActivationSession } from '../services/activation/session';
import { buildJoinStatement, sealComponentForOffer } from '../services/activation/remote';
import { fakeQuorum, planOf, testWorkstation } from '../services/activation/test-support';
import { requireAcceptablePassphrase, warmPassphraseEstimator } from '../../shared/escrow/policy';
import { threeWorkstations } from '../services/ceremony/merge-test-support';

interface Bench {
  name: string;
  run(): Promise<Record<string, string | number>>;
}

const ms = (t0: number) => performance.now() - t0;

export const benchmarks: Bench[] = [
  {
    name: 'ceremony transcript',
    async run() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-bench-tr-'));
      const t = createCeremonyTranscripts({ dataDir: dir, secretBox: testSecretBox(), clock: fixedClock(new Date('2026-11-27T10:00:00Z')) });
      const { ceremony, path: file } = await t.open({ app: 'bench' });
      const times: number[] = [];
      for (let i = 0; i < 60; i++) {
        const t0 = performance.now();
        await t.append(ceremony, 'note.added', { n: i, fingerprint: 'f'.repeat(64) });
        times.push(ms(t0));
      }
      await t.close(ceremony, 'abandoned');
      const t0 = performance.now();
      const r = t.verify(file);
      const verifyMs = ms(t0);
      const size = fs.statSync(file).size;
      fs.rmSync(dir, { recursive: true, force: true });
      return {
        'entries': r.ok ? r.entries : -1,
        'append, first 10 (ms, median)': [...times.slice(0, 10)].sort((a, b) => a - b)[5]!.toFixed(1),
        'append, entries 50-60 (ms, median)': [...times.slice(50)].sort((a, b) => a - b)[5]!.toFixed(1),
        'verify whole file (ms)': verifyMs.toFixed(1),
        'file size (bytes)': size,
      };
    },
  },
  {
    name: 'one ceremony across three workstations',
    async run() {
      // The merged Ceremony screen and `transcript verify FOLDER`: each workstation's file signed, imported and merged.
      const { custodians, h1, h2, all } = await threeWorkstations();
      for (let i = 0; i < 40; i++) for (const w of all) await w.ceremony.record('note.added', { n: i });
      const e0 = performance.now();
      const files = all.map((w) => w.merged.exportOwn().text);
      const exportMs = ms(e0) / 3;
      const i0 = performance.now();
      h1.merged.importText(files[0]!, 'custodians');
      h1.merged.importText(files[2]!, 'holder two');
      const importMs = ms(i0) / 2;
      const m0 = performance.now();
      const m = h1.merged.merged();
      const mergeMs = ms(m0);
      void custodians;
      void h2;
      return {
        'entries merged': m.entries.length,
        'export one workstation’s file (ms)': exportMs.toFixed(1),
        'import one file (ms, verify and keep)': importMs.toFixed(1),
        'merge three transcripts (ms)': mergeMs.toFixed(1),
        'file size (bytes, each)': Math.round(files.reduce((a, f) => a + f.length, 0) / 3),
      };
    },
  },
  {
    name: 'participant key and sealed components',
    async run() {
      // What the app does when the ceremony plan is shown (activation desk, plan view): the estimator is built once, before anyone enrols.
      const w0 = performance.now();
      await warmPassphraseEstimator();
      const warmMs = ms(w0);
      const c0 = performance.now();
      requireAcceptablePassphrase('bench quiver basalt harbour 123', 'Bench Person', ['Bench Person', 'Bench', 'Person']);
      const checkMs = ms(c0);
      const t0 = performance.now();
      const { file } = await enrolParticipant({ name: 'Bench Person', passphrase: 'bench quiver basalt harbour 123' });
      const enrolMs = ms(t0);
      const t1 = performance.now();
      const signer = await openParticipant(file, 'bench quiver basalt harbour 123');
      const unlockMs = ms(t1);
      const cs = [1, 2, 3].map((i) => ({ id: `custodian-${i}`, name: `Custodian ${i}` }));
      const q = await fakeQuorum(2, cs, (c) => `${c.name} pass`);
      const ws = testWorkstation();
      const plan = planOf([[signer, ['keeper']]], [ws]);
      const s = new ActivationSession({ ceremony: `ceremony-${crypto.randomUUID()}`, purpose: { kind: 'escrow-restore', target: 'bench' }, source: q.source, plan, workstation: () => ws, onPurpose: async () => ({}) });
      const { offer } = await s.offer();
      const pkg = await sealComponentForOffer(offer, { plan, content: 'share', component: new Uint8Array(33), custodian: 'custodian-1', join: signer.attest('keeper', buildJoinStatement(offer, 'keeper', signer, 'custodian-1')) });
      const text = JSON.stringify(pkg);
      return {
        'participant KDF': `scrypt N=2^${Math.log2(DEFAULT_PARTICIPANT_KDF.N)}, r=${DEFAULT_PARTICIPANT_KDF.r}, p=${DEFAULT_PARTICIPANT_KDF.p}`,
        'strength estimator, built once per process when the plan is shown (ms)': warmMs.toFixed(0),
        'one strength check, estimator built (ms)': checkMs.toFixed(0),
        'enrol: strength check + KDF + key (ms)': enrolMs.toFixed(0),
        'unlock (ms)': unlockMs.toFixed(0),
        'offer (chars / QR version at M)': `${JSON.stringify(offer).length} / ${QRCode.create(JSON.stringify(offer), { errorCorrectionLevel: 'M' }).version}`,
        'sealed share (chars / QR version at M)': `${text.length} / ${QRCode.create(text, { errorCorrectionLevel: 'M' }).version}`,
      };
    },
  },
];
