/**
 * Line 2 of the worksheet, filled from a proven import: the key version
 * identifier, with the key name beside it (and line 1 if the holder had not
 * typed it yet). Everything else on the worksheet, including the sealed
 * client secret, is kept as it was.
 */
import type { WorksheetService } from '../worksheet/service';
import type { WorksheetLine2 } from './vault-service';

export function worksheetLine2(ws: WorksheetService): WorksheetLine2 {
  return {
    async recordKeyIdentifier({ holder, vaultHost, keyName, keyIdentifier }) {
      const view = await ws.get();
      const keep = (h: 1 | 2) => {
        const { secret: _secret, ...fields } = h === 1 ? view.holder1 : view.holder2;
        return { ...fields, secret: { action: 'keep' as const } };
      };
      const mine = keep(holder);
      const updated = { ...mine, keyIdentifier, keyName, vaultHost: mine.vaultHost || vaultHost };
      await ws.save(holder === 1 ? { holder1: updated, holder2: keep(2) } : { holder1: keep(1), holder2: updated });
    },
  };
}
