/** Every contract channel's handler, one module per domain. */
import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { appHandlers } from './app';
import { expiryHandlers } from './expiry';
import { worksheetHandlers } from './worksheet';

export function createHandlers(s: Services): Handlers {
  return {
    ...appHandlers(s),
    ...expiryHandlers(s),
    ...worksheetHandlers(s),
  };
}
