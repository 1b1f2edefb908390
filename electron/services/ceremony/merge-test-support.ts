/**
 * Three workstations of one ceremony for tests (custodians, key holder 1, key
 * holder 2), each with its own data folder, ceremony key and transcript, and
 * a plan listing all three: what the merge, the CLI and the control-plane
 * tests build on. Test-only.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import { testSecretBox } from '../transcript/test-support';
import { createCeremonyTranscripts } from '../transcript/index';
import { createCeremonyService } from './ceremony-service';
import { createMergedCeremonyService } from './merged-ceremony';
import { PLAN_FORMAT, planFingerprint, type CeremonyPlan } from '../../../shared/ceremony/plan';

const FP = 'sha256:' + 'ab'.repeat(32);
const clock = fixedClock(new Date('2026-12-06T09:00:00Z'));
export const tick = () => clock.advance(60_000);

export function workstation(label: string) {
  const dataDir = mkdtempSync(path.join(tmpdir(), `kh-merge-${label.replace(/\s/g, '')}-`));
  // Wired as the app wires it (electron/services/index.ts): the imported files count toward this workstation's step table.
  const others = () => ws.merged.otherReceipts();
  const transcript = createCeremonyTranscripts({ dataDir, secretBox: testSecretBox(), clock, others });
  const ceremony = createCeremonyService({ dataDir, clock, log: silentLogger, transcript, others });
  const ws = { label, dataDir, transcript, ceremony, plan: null as CeremonyPlan | null, merged: null as unknown as ReturnType<typeof createMergedCeremonyService> };
  ws.merged = createMergedCeremonyService({ dataDir, clock, ceremony, transcript, label: () => label, plan: () => ({ plan: ws.plan!, fingerprint: planFingerprint(ws.plan!) }) });
  return ws;
}
export type Ws = ReturnType<typeof workstation>;
export const step = async (w: Ws, kind: string, data: Record<string, string | number>) => {
  tick();
  return w.ceremony.record(kind, data);
};

export async function threeWorkstations() {
  const custodians = workstation('custodians desk');
  const h1 = workstation('holder one');
  const h2 = workstation('holder two');
  const all = [custodians, h1, h2];
  // The exchanged plan: every workstation's ceremony key.
  const plan: CeremonyPlan = { format: PLAN_FORMAT, v: 1, participants: [], workstations: all.map((w) => ({ label: w.label, key: w.transcript.ceremonyKey().publicKey })) };
  for (const w of all) w.plan = plan;
  await step(custodians, 'key.generated', { fingerprint: FP });
  await step(custodians, 'escrow.written', { fingerprint: FP });
  await step(custodians, 'escrow.test-restored', { fingerprint: FP });
  await step(custodians, 'holder-copy.written', { holder: 1, fingerprint: FP });
  await step(custodians, 'holder-copy.written', { holder: 2, fingerprint: FP });
  for (const [w, h] of [[h1, 1], [h2, 2]] as const) {
    await step(w, 'worksheet.saved', { holder: h });
    await step(w, 'registration.done', { holder: h });
    await step(w, 'activation.attested', { holder: h });
    await step(w, 'vault.imported', { holder: h, fingerprint: FP });
    await step(w, 'submission.receipt', { holder: h });
  }
  return { custodians, h1, h2, all };
}

export const exchange = (all: Ws[]) => {
  for (const from of all) {
    const file = from.merged.exportOwn().text;
    for (const to of all) if (to !== from) to.merged.importText(file, `file of ${from.label}`);
  }
};


/** Both holders see Available, then every workstation closes its transcript; the final hashes by workstation label. */
export async function finish(ws: { h1: Ws; h2: Ws; all: Ws[] }): Promise<Record<string, string>> {
  for (const w of [ws.h1, ws.h2]) await step(w, 'status.changed', { status: 'Available' });
  const hashes: Record<string, string> = {};
  for (const w of ws.all) {
    tick();
    const c = await w.ceremony.close(w.ceremony.progress().complete ? undefined : 'the other workstations hold the rest of the ceremony');
    hashes[w.label] = c.finalHash;
  }
  return hashes;
}
