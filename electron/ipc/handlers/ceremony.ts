/**
 * The Ceremony screen's channels. Steps are recorded by the ceremony's
 * operations (electron/services/ceremony/operations.ts), which the other
 * handlers call; this file only maps channels to the closing and the report.
 */
import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { KeyholderError } from '../../../shared/errors/index';
import { ceremonyReportHtml, closeCeremony, reportInput, sendPendingRecords } from '../../services/ceremony/index';

export function ceremonyHandlers(
  s: Services,
): Pick<Handlers, 'ceremony:view' | 'ceremony:close' | 'ceremony:send-record' | 'ceremony:report' | 'ceremony:exportReportPdf' | 'ceremony:merged' | 'ceremony:exportWorkstationFile' | 'ceremony:importWorkstationFile'> {
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
    'ceremony:merged': async () => s.mergedCeremony.view(),
    'ceremony:exportWorkstationFile': async () => s.mergedCeremony.saveOwn(),
    'ceremony:importWorkstationFile': async (r) => {
      const got = s.mergedCeremony.importText(r.text, `file ${r.name}`);
      return { workstation: got.workstation, entries: got.entries, view: s.mergedCeremony.view() };
    },
  };
}
