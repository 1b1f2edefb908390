/**
 * The renderer's only door to the Node side: `window.keyholder` as preload
 * (or the e2e bridge) exposes it. `call` unwraps results into values or a
 * thrown KeyholderError, so screens handle errors by `code`.
 */
import type { Channel, EventName, EventPayload, KeyholderApi, RequestOf, ResponseOf } from '../../shared/ipc/contract';
import { splitChannel } from '../../shared/ipc/contract';
import type { IpcResult } from '../../shared/ipc/define';
import { KeyholderError } from '../../shared/errors/index';

declare global {
  interface Window {
    keyholder: KeyholderApi;
  }
}

export async function call<C extends Channel>(name: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const { domain, verb } = splitChannel(name);
  const group = (window.keyholder as unknown as Record<string, Record<string, (r: unknown) => Promise<IpcResult<unknown>>>>)[domain];
  const fn = group?.[verb];
  if (!fn) throw new KeyholderError('ipc.unavailable', 'Key Holder’s background service is not available. Restart the app.');
  const result = await fn(request);
  if (result.ok) return result.value as ResponseOf<C>;
  throw new KeyholderError(result.error.code, result.error.message, result.error.detail);
}

export function onEvent<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  return window.keyholder.on(event, listener);
}
