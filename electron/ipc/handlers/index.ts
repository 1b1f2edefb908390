/** Every contract channel's handler, one module per domain. */
import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { appHandlers } from './app';

export function createHandlers(s: Services): Handlers {
  return {
    ...appHandlers(s),
  };
}
