import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';

export function expiryHandlers(s: Services): Pick<Handlers, 'expiry:dashboard' | 'expiry:snooze' | 'expiry:calendar'> {
  return {
    // Signed in, Graph's end dates are read first: the same dates the credential-rotation screen shows.
    'expiry:dashboard': async ({ readGraph }) => s.expiry.dashboardReadingGraph(readGraph ? () => s.credentialRotation.refreshGraphItems() : null),
    'expiry:snooze': async ({ itemId, period }) => s.expiry.snooze(itemId, period),
    'expiry:calendar': async () => ({ ...(await s.expiry.calendar()), fileName: 'keyholder-expiries.ics' }),
  };
}
