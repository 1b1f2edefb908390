import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';

export function expiryHandlers(s: Services): Pick<Handlers, 'expiry:dashboard' | 'expiry:snooze' | 'expiry:calendar'> {
  return {
    // Signed in, Graph's end dates are read first: the same dates the credential-rotation screen shows.
    'expiry:dashboard': async ({ readGraph }) => {
      const board = await s.expiry.dashboardReadingGraph(readGraph ? () => s.credentialRotation.refreshGraphItems() : null);
      // A damaged AWS key-store record hides its material's expiry: said beside the list, as `keyholder expiry list` and the import screen say it.
      const damaged = s.awsKeyStore.damage();
      return { ...board, ...(damaged ? { awsKeyStoreDamaged: damaged.toShape() } : {}) };
    },
    'expiry:snooze': async ({ itemId, period }) => s.expiry.snooze(itemId, period),
    'expiry:calendar': async () => ({ ...(await s.expiry.calendar()), fileName: 'keyholder-expiries.ics' }),
  };
}
