/**
 * JSON over HTTPS to the control plane, through an injectable agent (the
 * rehearsal CA and *.localhost lookup in rehearsal mode, the system's trust
 * in live mode). Answers are checked against the shared schemas; error bodies
 * become KeyholderErrors without quoting anything the server sent except its
 * own message and validation findings.
 */
import https from 'node:https';
import type { z } from 'zod';
import { KeyholderError } from '../../../shared/errors/index';
import { apiErrorSchema, type ValidationFailure } from '../../../shared/control-plane/api';

export interface HttpAnswer {
  status: number;
  body: Buffer;
}

/** `timeoutMs` shortens the transport's own bound for one request (a screen that must not wait long for the vendor). */
export type Transport = (method: 'GET' | 'POST', url: string, o: { headers?: Record<string, string>; body?: Uint8Array; timeoutMs?: number }) => Promise<HttpAnswer>;

/** No control-plane answer is near this size (receipts, status and registrations are a few KiB). */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * `timeoutMs` bounds the whole exchange (connect, send, every byte of the
 * answer), not only idle time: a server that trickles a byte a second would
 * otherwise hold the holder's screen forever. Answers above `maxBytes` are
 * cut off and refused rather than buffered.
 */
export function httpsTransport(agent?: https.Agent, defaultTimeoutMs = 30_000, maxBytes = MAX_ANSWER_BYTES): Transport {
  return (method, url, o) =>
    new Promise((resolve, reject) => {
      const timeoutMs = o.timeoutMs ?? defaultTimeoutMs;
      const u = new URL(url);
      // Plain HTTP is refused, with no switch to allow it: the enrolment token travels in a header, and
      // an environment variable that turned this off would be one more thing to leave set on a workstation.
      if (u.protocol !== 'https:') {
        reject(new KeyholderError('control_plane.insecure_url', 'The control plane address must start with https://.'));
        return;
      }
      let settled = false;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        req.destroy();
        reject(e);
      };
      const req = https.request(u, { method, headers: { accept: 'application/json', ...(o.headers ?? {}) }, ...(agent ? { agent } : {}), timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            fail(new KeyholderError('control_plane.answer_too_large', `The control plane sent an answer larger than ${Math.round(maxBytes / 1024)} KiB, far beyond any it should send. Key Holder stopped reading it; tell the vendor.`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
        });
        res.on('error', (e) => fail(e));
      });
      const deadline = setTimeout(
        () => fail(new KeyholderError('control_plane.timeout', `The control plane did not answer completely within ${Math.round(timeoutMs / 1000)} s. Check your network and try again; if it keeps happening, tell the vendor.`)),
        timeoutMs,
      );
      deadline.unref?.();
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (e) => fail(e));
      if (o.body) req.write(o.body);
      req.end();
    });
}

class ControlPlaneRequestError extends KeyholderError {
  constructor(
    code: string,
    message: string,
    readonly status: number,
    readonly failures: ValidationFailure[] = [],
  ) {
    super(code, message, { status, ...(failures[0] ? { holder: failures[0].holder, worksheetLine: failures[0].worksheetLine ?? 0 } : {}) });
  }
}

export async function requestJson<T>(
  transport: Transport,
  method: 'GET' | 'POST',
  url: string,
  schema: z.ZodType<T>,
  o: { token?: string; json?: unknown; raw?: Uint8Array; timeoutMs?: number } = {},
): Promise<T> {
  const body = o.raw ?? (o.json !== undefined ? Buffer.from(JSON.stringify(o.json)) : undefined);
  let answer: HttpAnswer;
  try {
    answer = await transport(method, url, {
      headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body } : {}),
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    });
  } catch (e) {
    if (e instanceof KeyholderError) throw e;
    const code = (e as { code?: string }).code ?? '';
    const tls = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code);
    throw new KeyholderError(
      tls ? 'control_plane.tls' : 'control_plane.unreachable',
      tls
        ? 'The control plane’s certificate is not trusted, so nothing was sent. Check the address the vendor gave you.'
        : 'The control plane could not be reached. Check the address and your network, then try again; nothing was sent.',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (answer.status < 200 || answer.status >= 300) {
    const err = apiErrorSchema.safeParse(parsed);
    if (err.success) {
      const failures = err.data.error.failures ?? [];
      const msg = failures.length ? failures.map((f) => f.message).join(' ') : err.data.error.message;
      throw new ControlPlaneRequestError(`control_plane.${err.data.error.code}`, msg, answer.status, failures);
    }
    throw new ControlPlaneRequestError('control_plane.http_error', `The control plane answered with HTTP ${answer.status}.`, answer.status);
  }
  const out = schema.safeParse(parsed);
  if (!out.success) throw new KeyholderError('control_plane.bad_answer', 'The control plane’s answer was not in the expected format. Nothing more was sent; tell the vendor.');
  return out.data;
}
