import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { recordVaultImported } from './ceremony';

type ActivationChannel =
  | 'activation:start'
  | 'activation:state'
  | 'activation:join'
  | 'activation:presentCopy'
  | 'activation:enterPassphrase'
  | 'activation:enterComponent'
  | 'activation:attest'
  | 'activation:carryOut'
  | 'activation:cancel'
  | 'activation:offer'
  | 'activation:receiveSealed'
  | 'activation:sealForRemote'
  | 'activation:plan'
  | 'activation:enrol'
  | 'activation:importPlan';

export function activationHandlers(s: Services): Pick<Handlers, ActivationChannel> {
  const d = s.activationDesk;
  return {
    'activation:start': (r) => d.start(r),
    'activation:state': async (r) => d.state(r.session),
    'activation:join': (r) => d.join(r),
    'activation:presentCopy': async (r) => d.presentCopy(r),
    'activation:enterPassphrase': (r) => d.enterPassphrase(r),
    'activation:enterComponent': (r) => d.enterComponent(r),
    'activation:attest': (r) => d.attest(r),
    'activation:carryOut': async (r) => {
      const v = await d.carryOut(r);
      if (v.purpose.kind === 'vault-import') await recordVaultImported(s, v.result);
      return v;
    },
    'activation:cancel': (r) => d.cancel(r),
    'activation:offer': (r) => d.offer(r),
    'activation:receiveSealed': (r) => d.receiveSealed(r),
    'activation:sealForRemote': (r) => d.sealForRemote(r),
    'activation:plan': async () => d.plan(),
    'activation:enrol': (r) => d.enrol(r),
    'activation:importPlan': (r) => d.importPlan(r),
  };
}
