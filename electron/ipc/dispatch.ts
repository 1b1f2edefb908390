/**
 * Runs one contract call against the handlers: validates the request against
 * the contract's schema, calls the handler, validates the response, and turns
 * every failure into a `{ code, message }` value. Used by Electron main (behind
 * its sender check) and by the e2e test bridge (behind its token check), so
 * both exercise the same path.
 */
import { contract, events, type Channel, type EventName, type RequestOf, type ResponseOf } from '../../shared/ipc/contract';
import type { IpcResult } from '../../shared/ipc/define';
import { isKeyholderError } from '../../shared/errors/index';
import type { Logger } from '../services/log/logger';

export type Handlers = { [C in Channel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> };

export async function dispatch(handlers: Handlers, channelName: string, raw: unknown, log: Logger): Promise<IpcResult<unknown>> {
  if (!Object.prototype.hasOwnProperty.call(contract, channelName)) {
    return { ok: false, error: { code: 'ipc.unknown_channel', message: `Key Holder has no operation called "${channelName}".` } };
  }
  const name = channelName as Channel;
  const spec = contract[name];
  const parsed = spec.request.safeParse(raw ?? {});
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(request)').join(', ');
    return { ok: false, error: { code: 'ipc.bad_request', message: `The request to ${name} was not valid (${where}).` } };
  }
  try {
    const handler = handlers[name] as (r: unknown) => Promise<unknown>;
    const value = await handler(parsed.data);
    const out = spec.response.safeParse(value);
    if (!out.success) {
      log.error('ipc response failed its schema', { channel: name, issues: out.error.issues.map((i) => i.path.join('.')).join(',') });
      return { ok: false, error: { code: 'ipc.bad_response', message: 'Key Holder produced an answer it could not check. Nothing was sent; please report this.' } };
    }
    return { ok: true, value: out.data };
  } catch (e) {
    if (isKeyholderError(e)) return { ok: false, error: e.toShape() };
    log.error('unexpected error in handler', { channel: name, error: e });
    return { ok: false, error: { code: 'internal', message: 'Something unexpected went wrong in Key Holder. Nothing you entered was lost; try again, and report it if it repeats.' } };
  }
}

/**
 * Validates an event against the contract before it leaves the Node side, so
 * a service cannot push a malformed (or secret-carrying, unschematized)
 * payload to the page. Returns null for an unknown or invalid event.
 */
export function checkEvent(name: string, payload: unknown, log: Logger): { event: EventName; payload: unknown } | null {
  if (!Object.prototype.hasOwnProperty.call(events, name)) {
    log.error('unknown event not sent', { event: name });
    return null;
  }
  const parsed = events[name as EventName].safeParse(payload);
  if (!parsed.success) {
    log.error('event failed its schema, not sent', { event: name });
    return null;
  }
  return { event: name as EventName, payload: parsed.data };
}
