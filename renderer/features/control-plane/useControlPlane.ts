import { useCallback, useEffect, useState } from 'react';
import { call, onEvent } from '../../app/api';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { isKeyholderError } from '../../../shared/errors/index';

export type ControlPlaneView = ResponseOf<'control-plane:view'>;

/** The control-plane view, reloaded whenever the Node side reports a change. */
export function useControlPlane() {
  const [view, setView] = useState<ControlPlaneView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reload = useCallback(() => {
    call('control-plane:view', {}).then(setView, (e) => setError(isKeyholderError(e) ? e.message : String(e)));
  }, []);
  useEffect(() => {
    reload();
    return onEvent('control-plane:changed', reload);
  }, [reload]);
  /** Runs an action, shows its error in the holder's words, and keeps the returned view. */
  const run = useCallback(async <T,>(f: () => Promise<T>, pick?: (r: T) => ControlPlaneView | undefined): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      const r = await f();
      const v = pick?.(r);
      if (v) setView(v);
      return r;
    } catch (e) {
      setError(isKeyholderError(e) ? e.message : 'Something went wrong. Try again.');
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { view, error, busy, run, reload, setError };
}
