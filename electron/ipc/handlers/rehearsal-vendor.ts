import { KeyholderError } from '../../../shared/errors/index';
import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { view as controlPlaneView } from './control-plane';

export function rehearsalVendorHandlers(s: Services): Pick<Handlers, 'rehearsal-vendor:values' | 'rehearsal-vendor:approve-registration'> {
  const vendor = () => {
    if (!s.rehearsalVendor) throw new KeyholderError('rehearsal.live_mode', 'Only the vendor can approve a registration of a live key store. Wait for their confirmation, then press “Check again”.');
    return s.rehearsalVendor;
  };
  return {
    'rehearsal-vendor:values': async () => (s.rehearsalVendor ? { available: true as const, ...(await s.rehearsalVendor.values()) } : { available: false as const }),
    'rehearsal-vendor:approve-registration': async () => {
      const v = vendor();
      const reg = s.controlPlane.registration();
      if (!reg) throw new KeyholderError('rehearsal.no_registration', 'There is no registration to approve yet: request the registration of your vault first.');
      await v.approveRegistration(reg.registrationId);
      // The holder's side learns of the decision as it would from the real vendor, and records the step.
      await s.ceremonyOps.refreshRegistration();
      return controlPlaneView(s);
    },
  };
}
