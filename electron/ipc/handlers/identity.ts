import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { notConfigured } from '../../services/identity/index';

type IdentityChannels = 'identity:status' | 'identity:startSignIn' | 'identity:waitSignIn' | 'identity:cancelSignIn' | 'identity:useAccount' | 'identity:signOut';

export function identityHandlers(s: Services): Pick<Handlers, IdentityChannels> {
  const id = () => {
    if (!s.identity) throw notConfigured();
    return s.identity;
  };
  const box = s.deps.secretBox;
  return {
    'identity:status': async () => {
      const secretStorage = { available: box.isAvailable(), ...(!box.isAvailable() && box.unavailableReason ? { reason: box.unavailableReason() } : {}) };
      if (!s.identity) return { configured: false, problem: notConfigured().message, cloud: '', accounts: [], active: null, secretStorage };
      return {
        configured: true,
        cloud: s.deps.azure?.cloudLabel ?? '',
        ...(s.identity.config.defaultTenantId ? { defaultTenantId: s.identity.config.defaultTenantId } : {}),
        accounts: await s.identity.listAccounts(),
        active: await s.identity.activeAccount(),
        secretStorage,
      };
    },
    'identity:startSignIn': (r) => id().startSignIn({ tenantId: r.tenantId, method: r.method }),
    'identity:waitSignIn': (r) => id().waitSignIn(r.flowId),
    'identity:cancelSignIn': async (r) => {
      id().cancelSignIn(r.flowId);
      return {};
    },
    'identity:useAccount': (r) => id().useAccount(r.homeAccountId, r.tenantId),
    'identity:signOut': async (r) => {
      await id().signOut(r.tenantId);
      return {};
    },
  };
}
