import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';

export function appHandlers(s: Services): Pick<Handlers, 'app:info'> {
  return {
    'app:info': async () => ({ name: 'Key Holder', version: s.deps.appVersion, environment: s.deps.environment }),
  };
}
