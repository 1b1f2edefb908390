/**
 * The state of a supervised activation that another screen started (key
 * rotation, key material expiry), and the one way its hand-over turns are
 * taken: each turn shows the activation's new state; once its purpose is
 * carried out the screen reloads what it changed; a refused turn says why and
 * shows the activation as the Node side now has it (never a stale step).
 */
import { useState } from 'react';
import { call } from '../../app/api';
import type { ResponseOf } from '../../../shared/ipc/contract';

type Activation = ResponseOf<'activation:state'>;

export function useActivationTurns(o: { onError(message: string | null): void; onDone(): void }) {
  const [activation, setActivation] = useState<Activation | null>(null);
  const act = async (fn: () => Promise<Activation>) => {
    o.onError(null);
    try {
      const v = await fn();
      setActivation(v);
      if (v.step === 'done' && !v.ended) o.onDone();
    } catch (e) {
      o.onError((e as Error).message);
      if (activation) setActivation(await call('activation:state', { session: activation.session }).catch(() => activation));
    }
  };
  return { activation, setActivation, act };
}
