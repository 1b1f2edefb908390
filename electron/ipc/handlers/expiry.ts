import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';

export function expiryHandlers(s: Services): Pick<Handlers, 'expiry:dashboard' | 'expiry:snooze' | 'expiry:calendar'> {
  return {
    'expiry:dashboard': async () => s.expiry.dashboard(),
    'expiry:snooze': async ({ itemId, period }) => s.expiry.snooze(itemId, period),
    'expiry:calendar': async () => ({ ...(await s.expiry.calendar()), fileName: 'keyholder-expiries.ics' }),
  };
}
