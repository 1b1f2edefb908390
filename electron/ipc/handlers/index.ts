/** Every contract channel's handler, one module per domain. */
import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { appHandlers } from './app';
import { escrowHandlers } from './escrow';
import { expiryHandlers } from './expiry';
import { worksheetHandlers } from './worksheet';
import { controlPlaneHandlers } from './control-plane';
import { identityHandlers } from './identity';
import { vaultHandlers } from './vault';
import { credentialRotationHandlers } from './credential-rotation';
import { activationHandlers } from './activation';
import { ceremonyHandlers } from './ceremony';
import { lifecycleHandlers } from './lifecycle';
import { settingsHandlers } from './settings';
import { rehearsalVendorHandlers } from './rehearsal-vendor';
import { awsHandlers } from './aws';

export function createHandlers(s: Services): Handlers {
  return {
    ...controlPlaneHandlers(s),
    ...appHandlers(s),
    ...escrowHandlers(s),
    ...expiryHandlers(s),
    ...worksheetHandlers(s),
    ...identityHandlers(s),
    ...vaultHandlers(s),
    ...credentialRotationHandlers(s),
    ...activationHandlers(s),
    ...ceremonyHandlers(s),
    ...lifecycleHandlers(s),
    ...settingsHandlers(s),
    ...rehearsalVendorHandlers(s),
    ...awsHandlers(s),
  };
}
