/**
 * Closing the workstation's ceremony, sending its final hash to the control
 * plane, and the report's input: what the signed record says, from the
 * transcript alone.
 */
import path from 'node:path';
import type { JsonObject } from '../../../shared/transcript/canonical';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import type { CeremonyRecordOutcome } from '../../../shared/ipc/channels/ceremony';
import type { ControlPlaneService } from '../control-plane/service';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import type { CeremonyService } from './ceremony-service';
import { carriedEntry } from '../../../shared/ceremony/entry-words';
import type { CeremonyReportInput, ReportStep } from './report';

function notSent(e: unknown): { code: string; message: string } {
  if (isKeyholderError(e)) {
    if (e.code === 'control_plane.not_connected') return { code: e.code, message: 'No control plane is connected, so the final hash was not sent. The ceremony stays closed; connect to the vendor’s control plane and send it from the Ceremony screen.' };
    if (e.code === 'control_plane.unreachable' || e.code === 'control_plane.tls') return { code: e.code, message: `${e.message} The ceremony stays closed and its final hash is kept here: send it again from the Ceremony screen when the control plane can be reached.` };
    return { code: e.code, message: `${e.message} The ceremony stays closed and its final hash is kept here to send again.` };
  }
  return { code: 'internal', message: 'The final hash could not be sent to the control plane. The ceremony stays closed and its final hash is kept here to send again.' };
}

export interface ClosingDeps {
  ceremony: CeremonyService;
  controlPlane: Pick<ControlPlaneService, 'recordCeremony' | 'sendPendingCeremonyRecords' | 'pendingCeremonyRecords'>;
  clock: Clock;
  log: Logger;
}

/**
 * After closing: the final hash goes to the control plane so the vendor holds
 * an independent copy (a transcript cut short later no longer matches). The
 * closure never depends on it; a record not sent stays queued.
 */
async function sendCeremonyRecord(d: ClosingDeps, closed: { ceremony: string; finalHash: string }): Promise<CeremonyRecordOutcome> {
  // The closing entry's own time, as `transcript verify` reports it.
  const entries = d.ceremony.entries();
  const closedAt = entries.at(-1)?.at ?? d.clock.now().toISOString();
  try {
    const r = await d.controlPlane.recordCeremony({ ceremonyId: closed.ceremony, finalHash: closed.finalHash, entries: entries.length, closedAt });
    return { state: 'recorded', recordId: r.recordId, receivedAt: r.receivedAt, sha256: r.sha256 };
  } catch (e) {
    const n = notSent(e);
    d.log.warn('ceremony record not sent', { ceremony: closed.ceremony, code: n.code });
    return { state: 'not_sent', ...n };
  }
}

export async function closeCeremony(d: ClosingDeps, reason?: string) {
  const out = await d.ceremony.close(reason);
  const controlPlane = await sendCeremonyRecord(d, out);
  return { ...out, controlPlane };
}

export async function sendPendingRecords(d: ClosingDeps): Promise<{ sent: number; pending: number; problem: { code: string; message: string } | null }> {
  let problem: { code: string; message: string } | null = null;
  let sent = 0;
  try {
    sent = (await d.controlPlane.sendPendingCeremonyRecords()).length;
  } catch (e) {
    problem = notSent(e);
  }
  return { sent, pending: d.controlPlane.pendingCeremonyRecords().length, problem };
}

/** When a status was received: the vendor's check time it carries, else when it was recorded. */
function receivedAt(e: { data: JsonObject; at?: string }): string | null {
  if (typeof e.data.checkedAt === 'string' && e.data.checkedAt) return e.data.checkedAt;
  return e.at ?? null;
}

/** The report's input from a transcript's entries alone, so it says what the signed record says (the app and `rehearse`). */
export function reportFromEntries(
  entries: readonly ReportStep[],
  o: Pick<CeremonyReportInput, 'ceremony' | 'generatedAt' | 'mode' | 'finalHash' | 'workstationKey' | 'transcriptFile' | 'kdf'>,
): CeremonyReportInput {
  // A step recorded out of order still happened: the report reads the entry it carries.
  const carried = entries.map((e) => ({ ...carriedEntry(e.kind, e.data), at: e.at }));
  const byKind = (kind: string) => carried.filter((e) => e.kind === kind);
  const generated = byKind('key.generated')[0]?.data;
  const imports = byKind('vault.imported').map((e) => e.data);
  const status = byKind('status.changed').at(-1);
  const keyVersion = (h: 1 | 2) => String(imports.find((d) => d.holder === h)?.keyVersionId ?? '(not imported in this ceremony)');
  const activations: CeremonyReportInput['activations'] = byKind('activation.attested').map(({ data: d }) => {
    const people = Array.isArray(d.participants) ? d.participants : [];
    return {
      holder: d.holder === 2 ? 2 : 1,
      participants: people.flatMap((p) => (p && typeof p === 'object' && !Array.isArray(p) ? [{ name: String(p.name), role: String(p.role), keyFingerprint: String(p.keyFingerprint) }] : [])),
      checkValues: Array.isArray(d.checkValues) ? d.checkValues.map(String) : [],
    };
  });
  const written = byKind('escrow.written')[0]?.data;
  return {
    ...o,
    fingerprint: String(generated?.fingerprint ?? '(no key generated in this ceremony)'),
    checkValue: String(generated?.checkValue ?? '—'),
    keyVersionIds: { 1: keyVersion(1), 2: keyVersion(2) },
    primaryKey: status && typeof status.data.status === 'string' ? { name: typeof status.data.name === 'string' && status.data.name ? status.data.name : 'Primary key', status: status.data.status, receivedAt: receivedAt(status) } : null,
    custodians: Array.isArray(written?.custodians) ? written.custodians.map(String) : [],
    activations,
    steps: [...entries],
  };
}

/** The app's report: the current ceremony of this workstation. */
export function reportInput(d: { ceremony: CeremonyService; clock: Clock; mode: 'rehearsal' | 'live'; kdf: string }): CeremonyReportInput {
  const v = d.ceremony.progress();
  if (!v.ceremony) throw new KeyholderError('ceremony.none_open', 'Nothing has been recorded on this workstation yet, so there is no ceremony to report.');
  const steps = d.ceremony.entries().map((e) => ({ seq: e.seq, kind: e.kind, data: e.data, at: e.at }));
  return reportFromEntries(steps, {
    ceremony: v.ceremony,
    generatedAt: d.clock.now(),
    mode: d.mode,
    finalHash: v.closed?.finalHash ?? null,
    workstationKey: v.workstationKey ?? '—',
    transcriptFile: v.transcriptFile ? path.basename(v.transcriptFile) : '—',
    kdf: d.kdf,
  });
}
