import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';

export function worksheetHandlers(s: Services): Pick<Handlers, 'worksheet:get' | 'worksheet:save' | 'worksheet:revealSecret' | 'worksheet:exportJson' | 'worksheet:exportPdf'> {
  return {
    'worksheet:get': () => s.worksheet.get(),
    'worksheet:save': async (r) => s.ceremonyOps.saveWorksheet(r),
    'worksheet:revealSecret': async (r) => ({ secret: await s.worksheet.revealSecret(r.holder) }),
    'worksheet:exportJson': () => s.worksheet.exportJson(),
    'worksheet:exportPdf': (r) => s.worksheet.exportPdf(r.includeSecret),
  };
}
