/**
 * The Ceremony screen's channels. Steps are recorded by the ceremony's
 * operations (electron/services/ceremony/operations.ts), which the other
 * handlers call; this file only maps channels to the closing and the report.
 */
import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import type { MergedCeremonyView } from '../../../shared/ipc/channels/ceremony';
import { ceremonyReportHtml, closeCeremony, reportInput, sendPendingRecords } from '../../services/ceremony/index';

/**
 * How long the Ceremony screen waits for each request to the control plane: a
 * vendor that does not answer must not hold up the whole ceremony for the
 * client's usual 30 s. The copies kept from the last exchange stand meanwhile.
 */
const CEREMONY_EXCHANGE_TIMEOUT_MS = 8_000;

/** The control plane's part of a view built without asking it. */
function notAsked(s: Services): MergedCeremonyView['controlPlane'] {
  return s.controlPlane.view().connected ? { state: 'not_asked', lastExchangedAt: s.mergedCeremony.lastExchange()?.at ?? null } : { state: 'not_connected' };
}

async function exchangeWithControlPlane(s: Services, timeoutMs: number): Promise<MergedCeremonyView['controlPlane']> {
  if (!s.controlPlane.view().connected) return { state: 'not_connected' };
  try {
    const r = await s.mergedCeremony.sync(s.controlPlane, { timeoutMs });
    return { state: 'exchanged', at: r.at, relayed: r.relayed, received: r.received.map((x) => `${x.workstation} (${x.entries} entries)`), refused: r.refused };
  } catch (e) {
    const lastExchangedAt = s.mergedCeremony.lastExchange()?.at ?? null;
    return isKeyholderError(e) ? { state: 'failed', code: e.code, message: e.message, lastExchangedAt } : { state: 'failed', code: 'internal', message: 'The exchange with the control plane failed.', lastExchangedAt };
  }
}

export function ceremonyHandlers(
  s: Services,
  o: { exchangeTimeoutMs?: number } = {},
): Pick<Handlers, 'ceremony:view' | 'ceremony:close' | 'ceremony:send-record' | 'ceremony:report' | 'ceremony:exportReportPdf' | 'ceremony:merged' | 'ceremony:exchange' | 'ceremony:exportWorkstationFile' | 'ceremony:importWorkstationFile'> {
  const closing = { ceremony: s.ceremony, controlPlane: s.controlPlane, clock: s.deps.clock, log: s.deps.log };
  const report = () => reportInput({ ceremony: s.ceremony, clock: s.deps.clock, mode: s.deps.environment.mode, kdf: s.escrow.kdfProfile.name });
  return {
    'ceremony:view': async () => s.ceremony.progress(),
    'ceremony:close': async (r) => {
      const out = await closeCeremony(closing, r.reason);
      return { finalHash: out.finalHash, outcome: out.outcome, view: s.ceremony.progress(), controlPlane: out.controlPlane };
    },
    'ceremony:send-record': async () => sendPendingRecords(closing),
    'ceremony:report': async () => ({ html: ceremonyReportHtml(report()) }),
    'ceremony:exportReportPdf': async () => {
      const pdf = s.deps.pdf;
      if (!pdf) throw new KeyholderError('ceremony.pdf_unavailable', 'PDF export is not available here. Use "Print" and choose "Save as PDF" instead.');
      const input = report();
      const bytes = await pdf.fromHtml(ceremonyReportHtml(input));
      return s.ceremony.saveExport(`ceremony-report-${input.ceremony}.pdf`, bytes);
    },
    // At once, from what is on this workstation; the exchange with the control plane is its own call, so an unreachable vendor holds up nothing.
    'ceremony:merged': async () => s.mergedCeremony.view(notAsked(s)),
    'ceremony:exchange': async () => s.mergedCeremony.view(await exchangeWithControlPlane(s, o.exchangeTimeoutMs ?? CEREMONY_EXCHANGE_TIMEOUT_MS)),
    'ceremony:exportWorkstationFile': async () => s.mergedCeremony.saveOwn(),
    'ceremony:importWorkstationFile': async (r) => {
      const got = s.mergedCeremony.importText(r.text, `file ${r.name}`);
      return { workstation: got.workstation, entries: got.entries, view: s.mergedCeremony.view(notAsked(s)) };
    },
  };
}
