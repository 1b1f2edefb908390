/**
 * The ceremony as the app records it. Each step is recorded here, at the IPC
 * handler that carried it out, after it succeeded: the headless rehearsal
 * script calls the services directly and records its own entries, so nothing
 * is recorded twice. Entry kinds and fields are those of the step table
 * (shared/ceremony/steps.ts) and of `keyholder rehearse`. Fingerprints and
 * identifiers only; never a passphrase, secret or key byte.
 */
import path from 'node:path';
import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { canonicalJson, type JsonObject } from '../../../shared/transcript/canonical';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import { ceremonyReportHtml, type CeremonyReportInput } from '../../ceremony-script/report';
import { DEVIATION_KINDS } from '../../services/ceremony/index';
import type { ResponseOf } from '../../../shared/ipc/contract';
import type { CeremonyRecordOutcome } from '../../../shared/ipc/channels/ceremony';

type EscrowStatus = ResponseOf<'escrow:status'>;
type WorksheetView = ResponseOf<'worksheet:get'>;

/** Entries are stored in canonical JSON (sorted keys), so compare in that form. */
const sameData = (a: JsonObject, b: JsonObject) => canonicalJson(a) === canonicalJson(b);

/** Worksheet saved: one entry per holder whose identifying lines are filled and differ from what is recorded. */
export async function recordWorksheetSaved(s: Services, v: WorksheetView): Promise<void> {
  for (const h of [1, 2] as const) {
    const mine = h === 1 ? v.holder1 : v.holder2;
    if (!mine.vaultHost || !mine.clientId || !mine.tenantId) continue;
    const data: JsonObject = { holder: h, vaultHost: mine.vaultHost, applicationId: mine.clientId, tenantId: mine.tenantId };
    const last = s.ceremony.recorded('worksheet.saved').filter((d) => d.holder === h).at(-1);
    if (last && sameData(last, data)) continue;
    await s.ceremony.note('worksheet.saved', data);
  }
}

export async function recordKeyGenerated(s: Services, st: EscrowStatus): Promise<void> {
  await s.ceremony.note('key.generated', { fingerprint: st.key.fingerprint, keyId: st.key.keyId, modulusBits: st.key.modulusBits, checkValue: st.key.checkValue });
}

export async function recordEscrowWritten(s: Services, st: EscrowStatus): Promise<void> {
  if (!st.written) return;
  await s.ceremony.note('escrow.written', {
    fingerprint: st.key.fingerprint,
    escrowSha256: st.written.escrowSha256,
    custodians: st.custodians.map((c) => c.name),
    threshold: st.threshold ?? 1,
    weakestArtifact: path.basename(st.written.weakest.file),
  });
}

/** Recorded once, on the call that verified the last custodian. */
export async function recordTestRestore(s: Services, st: EscrowStatus): Promise<void> {
  if (!st.restoreDone) return;
  if (s.ceremony.recorded('escrow.test-restored').some((d) => d.fingerprint === st.key.fingerprint)) return;
  await s.ceremony.note('escrow.test-restored', { fingerprint: st.key.fingerprint, verifiedBy: st.custodians.filter((c) => c.restoreVerified).map((c) => c.name) });
}

/** The holder a copy is for, from its label ("Key holder 2 - Jane Smith"). */
export function holderOfLabel(label: string): 1 | 2 | null {
  const m = /holder\s*#?\s*([12])\b/i.exec(label) ?? /^\s*([12])\b/.exec(label);
  return m ? (Number(m[1]) as 1 | 2) : null;
}

export async function recordHolderCopy(s: Services, st: EscrowStatus): Promise<void> {
  const copy = st.holderCopies.at(-1);
  if (!copy) return;
  const holder = holderOfLabel(copy.label);
  await s.ceremony.note('holder-copy.written', { ...(holder ? { holder } : {}), fingerprint: st.key.fingerprint, file: path.basename(copy.file), label: copy.label });
}

/** After the activation that imported the key: the key version identifier (worksheet line 2). */
export async function recordVaultImported(s: Services, result: JsonObject | null): Promise<void> {
  if (!result || typeof result.keyVersionId !== 'string') return;
  await s.ceremony.note('vault.imported', { holder: result.holder ?? null, fingerprint: result.fingerprint ?? null, keyVersionId: result.keyVersionId, vault: result.vault ?? null });
}

export async function recordRegistrationRequested(s: Services): Promise<void> {
  const r = s.controlPlane.registration();
  if (!r) return;
  await s.ceremony.note('registration.requested', { holder: r.holder, registrationId: r.registrationId, vaultDnsName: r.vaultDnsName, status: r.status });
}

/** The vendor's confirmation (or, in live mode, one recorded out of band), once per registration. */
export async function recordRegistrationConfirmed(s: Services): Promise<void> {
  const r = s.controlPlane.registration();
  const gate = s.controlPlane.importGate();
  let entry: JsonObject | null = null;
  if (r && r.status === 'registered') {
    entry = { holder: r.holder, registrationId: r.registrationId, vaultDnsName: r.vaultDnsName, status: r.status, decidedAt: r.decidedAt ?? '' };
  } else if (gate.allowed && gate.via === 'out_of_band') {
    entry = { holder: s.controlPlane.view().holder ?? null, registrationId: 'out-of-band', vaultDnsName: r?.vaultDnsName ?? '', status: 'confirmed out of band', decidedAt: '', confirmation: gate.reason };
  }
  if (!entry) return;
  const known = s.ceremony.recorded('registration.done').some((d) => Array.isArray(d.registrations) && d.registrations.some((x) => x && typeof x === 'object' && !Array.isArray(x) && x.registrationId === entry.registrationId && x.vaultDnsName === entry.vaultDnsName));
  if (known) return;
  await s.ceremony.note('registration.done', { registrations: [entry] });
}

export async function recordSubmission(s: Services, receipt: { holder: 1 | 2; submissionId: string; envelopeSha256: string }, validation: string): Promise<void> {
  await s.ceremony.note('submission.receipt', { holder: receipt.holder, submissionId: receipt.submissionId, envelopeSha256: receipt.envelopeSha256, validation });
}

/** A change of the primary key's status (not every poll). */
export async function recordStatus(s: Services): Promise<void> {
  const pk = s.controlPlane.lastStatus()?.primaryKey;
  if (!pk) return;
  const last = s.ceremony.recorded('status.changed').at(-1);
  if (last && last.primaryKeyId === pk.primaryKeyId && last.status === pk.status) return;
  await s.ceremony.note('status.changed', { status: pk.status, primaryKeyId: pk.primaryKeyId, name: pk.name, checkedAt: pk.checkedAt });
}

function notSent(e: unknown): { code: string; message: string } {
  if (isKeyholderError(e)) {
    if (e.code === 'control_plane.not_connected') return { code: e.code, message: 'No control plane is connected, so the final hash was not sent. The ceremony stays closed; connect to the vendor’s control plane and send it from the Ceremony screen.' };
    if (e.code === 'control_plane.unreachable' || e.code === 'control_plane.tls') return { code: e.code, message: `${e.message} The ceremony stays closed and its final hash is kept here: send it again from the Ceremony screen when the control plane can be reached.` };
    return { code: e.code, message: `${e.message} The ceremony stays closed and its final hash is kept here to send again.` };
  }
  return { code: 'internal', message: 'The final hash could not be sent to the control plane. The ceremony stays closed and its final hash is kept here to send again.' };
}

/**
 * After closing: the final hash goes to the control plane so the vendor holds
 * an independent copy (a transcript cut short later no longer matches). The
 * closure never depends on it; a record not sent stays queued.
 */
export async function sendCeremonyRecord(s: Services, closed: { ceremony: string; finalHash: string }): Promise<CeremonyRecordOutcome> {
  // The closing entry's own time, as `transcript verify` reports it.
  const entries = s.ceremony.entries();
  const closedAt = entries.at(-1)?.at ?? s.deps.clock.now().toISOString();
  try {
    const r = await s.controlPlane.recordCeremony({ ceremonyId: closed.ceremony, finalHash: closed.finalHash, entries: entries.length, closedAt });
    return { state: 'recorded', recordId: r.recordId, receivedAt: r.receivedAt, sha256: r.sha256 };
  } catch (e) {
    const n = notSent(e);
    s.deps.log.warn('ceremony record not sent', { ceremony: closed.ceremony, code: n.code });
    return { state: 'not_sent', ...n };
  }
}

/** The report's input from the transcript alone, so it says what the signed record says. */
export function reportInput(s: Services): CeremonyReportInput {
  const v = s.ceremony.progress();
  if (!v.ceremony) throw new KeyholderError('ceremony.none_open', 'Nothing has been recorded on this workstation yet, so there is no ceremony to report.');
  const entries = s.ceremony.entries();
  const deviation = new Set<string>(Object.values(DEVIATION_KINDS));
  const steps = entries.map((e) => ({ seq: e.seq, kind: e.kind, data: e.data }));
  const byKind = (kind: string) => entries.filter((e) => e.kind === kind).map((e) => e.data);
  const generated = byKind('key.generated')[0];
  const imports = byKind('vault.imported');
  const status = byKind('status.changed').at(-1);
  const keyVersion = (h: 1 | 2) => String(imports.find((d) => d.holder === h)?.keyVersionId ?? '(not imported in this ceremony)');
  const activations: CeremonyReportInput['activations'] = [];
  for (const e of entries) {
    const d = deviation.has(e.kind) ? (e.data.entry as JsonObject) : e.data;
    const kind = deviation.has(e.kind) ? String(e.data.step) : e.kind;
    if (kind !== 'activation.attested' || !d) continue;
    const people = Array.isArray(d.participants) ? d.participants : [];
    activations.push({
      holder: d.holder === 2 ? 2 : 1,
      participants: people.flatMap((p) => (p && typeof p === 'object' && !Array.isArray(p) ? [{ name: String(p.name), role: String(p.role), keyFingerprint: String(p.keyFingerprint) }] : [])),
      checkValues: Array.isArray(d.checkValues) ? d.checkValues.map(String) : [],
    });
  }
  const written = byKind('escrow.written')[0];
  return {
    ceremony: v.ceremony,
    generatedAt: s.deps.clock.now(),
    mode: s.deps.environment.mode,
    fingerprint: String(generated?.fingerprint ?? '(no key generated in this ceremony)'),
    checkValue: String(generated?.checkValue ?? '—'),
    keyVersionIds: { 1: keyVersion(1), 2: keyVersion(2) },
    primaryKey: { name: String(status?.name ?? '—'), status: String(status?.status ?? 'not recorded') },
    finalHash: v.closed?.finalHash ?? '(the ceremony is not closed: no final hash yet)',
    workstationKey: v.workstationKey ?? '—',
    transcriptFile: v.transcriptFile ? path.basename(v.transcriptFile) : '—',
    custodians: Array.isArray(written?.custodians) ? written.custodians.map(String) : [],
    activations,
    steps,
    kdf: s.escrow.kdfProfile.name,
  };
}

export function ceremonyHandlers(s: Services): Pick<Handlers, 'ceremony:view' | 'ceremony:close' | 'ceremony:send-record' | 'ceremony:report' | 'ceremony:exportReportPdf'> {
  return {
    'ceremony:view': async () => s.ceremony.progress(),
    'ceremony:close': async (r) => {
      const out = await s.ceremony.close(r.reason);
      const controlPlane = await sendCeremonyRecord(s, out);
      return { finalHash: out.finalHash, outcome: out.outcome, view: s.ceremony.progress(), controlPlane };
    },
    'ceremony:send-record': async () => {
      let problem: { code: string; message: string } | null = null;
      let sent = 0;
      try {
        sent = (await s.controlPlane.sendPendingCeremonyRecords()).length;
      } catch (e) {
        problem = notSent(e);
      }
      return { sent, pending: s.controlPlane.pendingCeremonyRecords().length, problem };
    },
    'ceremony:report': async () => ({ html: ceremonyReportHtml(reportInput(s)) }),
    'ceremony:exportReportPdf': async () => {
      const pdf = s.deps.pdf;
      if (!pdf) throw new KeyholderError('ceremony.pdf_unavailable', 'PDF export is not available here. Use "Print" and choose "Save as PDF" instead.');
      const input = reportInput(s);
      const bytes = await pdf.fromHtml(ceremonyReportHtml(input));
      return s.ceremony.saveExport(`ceremony-report-${input.ceremony}.pdf`, bytes);
    },
  };
}
