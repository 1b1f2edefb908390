import { KeyholderError } from '../../../shared/errors/index';
import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import type { CredentialRotationService } from '../../services/credential-rotation/credential-rotation-service';

type CredentialRotationChannel = 'credential-rotation:list' | 'credential-rotation:plan' | 'credential-rotation:sign-in' | 'credential-rotation:start' | 'credential-rotation:get' | 'credential-rotation:advance' | 'credential-rotation:remove-old' | 'credential-rotation:abandon';

export function credentialRotationHandlers(s: Services): Pick<Handlers, CredentialRotationChannel> {
  const r = (): CredentialRotationService => {
    if (!s.credentialRotation) throw new KeyholderError('rotation.unavailable', 'Credential rotation is not available in this build.');
    return s.credentialRotation;
  };
  return {
    'credential-rotation:list': async () => {
      const all = r().list();
      return { rotations: [...all.filter((v) => !v.finished), ...all.filter((v) => v.finished)] };
    },
    'credential-rotation:plan': async ({ holder }) => r().plan(holder),
    'credential-rotation:sign-in': async ({ holder }) => r().signIn(holder),
    'credential-rotation:start': async (req) => r().start({ holder: req.holder, oldKeyId: req.oldKeyId, endDateTime: req.endDateTime, ...(req.newAppId ? { newAppId: req.newAppId } : {}) }),
    'credential-rotation:get': async ({ rotationId }) => r().get(rotationId),
    'credential-rotation:advance': async ({ rotationId }) => r().advance(rotationId),
    'credential-rotation:abandon': async ({ rotationId }) => r().abandon(rotationId),
    'credential-rotation:remove-old': async ({ rotationId, overrideReason }) => r().removeOld(rotationId, overrideReason),
  };
}
