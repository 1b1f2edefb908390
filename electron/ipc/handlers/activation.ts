import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { KeyholderError } from '../../../shared/errors/index';

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
    // The import has one door, vault:startImport, which checks the holder and the step table first.
    'activation:start': async (r) => {
      if (r.purpose.kind === 'vault-import') {
        throw new KeyholderError('activation.import_from_import_screen', 'An import into a vault starts from the Import screen ("Start the supervised import"): it checks the holder, the vault and the ceremony’s order before anything is opened.');
      }
      return d.start(r);
    },
    'activation:state': async (r) => d.state(r.session),
    'activation:join': (r) => d.join(r),
    'activation:presentCopy': async (r) => d.presentCopy(r),
    'activation:enterPassphrase': (r) => d.enterPassphrase(r),
    'activation:enterComponent': (r) => d.enterComponent(r),
    'activation:attest': (r) => d.attest(r),
    'activation:carryOut': async (r) => {
      const v = await d.carryOut(r);
      if (v.purpose.kind === 'vault-import') await s.ceremonyOps.vaultImported(v.result);
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
