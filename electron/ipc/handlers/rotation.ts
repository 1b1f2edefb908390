import { KeyholderError } from '../../../shared/errors/index';
import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import type { RotationService } from '../../services/rotation/rotation-service';

type RotationChannel = 'rotation:list' | 'rotation:plan' | 'rotation:sign-in' | 'rotation:start' | 'rotation:get' | 'rotation:advance' | 'rotation:remove-old' | 'rotation:abandon';

export function rotationHandlers(s: Services): Pick<Handlers, RotationChannel> {
  const r = (): RotationService => {
    if (!s.rotation) throw new KeyholderError('rotation.unavailable', 'Credential rotation is not available in this build.');
    return s.rotation;
  };
  return {
    'rotation:list': async () => {
      const all = r().list();
      return { rotations: [...all.filter((v) => !v.finished), ...all.filter((v) => v.finished)] };
    },
    'rotation:plan': async ({ holder }) => r().plan(holder),
    'rotation:sign-in': async ({ holder }) => r().signIn(holder),
    'rotation:start': async (req) => r().start({ holder: req.holder, oldKeyId: req.oldKeyId, endDateTime: req.endDateTime, ...(req.newAppId ? { newAppId: req.newAppId } : {}) }),
    'rotation:get': async ({ rotationId }) => r().get(rotationId),
    'rotation:advance': async ({ rotationId }) => r().advance(rotationId),
    'rotation:abandon': async ({ rotationId }) => r().abandon(rotationId),
    'rotation:remove-old': async ({ rotationId, overrideReason }) => r().removeOld(rotationId, overrideReason),
  };
}
