/**
 * HTTP for the reference control plane. `createControlPlaneRouter` returns a
 * handler the rehearsal cloud's server can mount under a path prefix (it
 * answers false for paths outside the prefix); testing/server.ts runs it on its own (for tests).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import {
  DISCOVERY_PATH,
  createEnrolmentRequestSchema,
  registrationDecisionSchema,
  registrationRequestSchema,
  idSchema,
  applyKeyRequestSchema,
  controlPlaneSettingsSchema,
  createLibraryRequestSchema,
  ceremonyRecordRequestSchema,
} from '../../../shared/control-plane/api';
import { ApiFailure, type ReferenceControlPlane } from './control-plane';
import { CeremonyTranscriptFailure, MAX_TRANSCRIPT_BODY, ceremonyTranscriptPutSchema } from './ceremony-transcripts';

const MAX_BODY = 64 * 1024;

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function readBody(req: IncomingMessage, max = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new ApiFailure(413, 'body_too_large', `The request is larger than ${max} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function json<T>(req: IncomingMessage, schema: z.ZodType<T>, max = MAX_BODY): Promise<T> {
  const raw = await readBody(req, max);
  let value: unknown = {};
  if (raw.length) {
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApiFailure(400, 'bad_request', 'The request body is not JSON.');
    }
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new ApiFailure(400, 'bad_request', `The request is not valid (${r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}).`);
  return r.data;
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? h.match(/^Bearer\s+(\S+)$/i) : null;
  return m ? m[1]! : null;
}

export function createControlPlaneRouter(cp: ReferenceControlPlane, opts: { prefix?: string } = {}): RequestHandler {
  const prefix = (opts.prefix ?? '').replace(/\/+$/, '');
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'https://control-plane.invalid');
    if (prefix && url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return false;
    const p = url.pathname.slice(prefix.length) || '/';
    const method = req.method ?? 'GET';
    try {
      const admin = () => {
        if (!cp.isAdmin(bearer(req))) throw new ApiFailure(401, 'admin_token_invalid', 'This call needs the vendor’s admin token.');
      };
      const holder = () => cp.authenticate(bearer(req));
      let m: RegExpMatchArray | null;

      if (method === 'GET' && p === DISCOVERY_PATH) return send(res, 200, cp.discovery()), true;

      if (method === 'GET' && p === '/v1/enrolment') {
        const e = holder();
        return send(res, 200, { enrolmentId: e.enrolmentId, environmentId: e.environmentId, holder: e.holder }), true;
      }
      if (p === '/v1/registrations' && method === 'POST') {
        const e = holder();
        const body = await json(req, registrationRequestSchema);
        return send(res, 201, await cp.requestRegistration(e, body.vaultDnsName, body.provider)), true;
      }
      if (p === '/v1/registrations' && method === 'GET') return send(res, 200, { registrations: cp.registrationsFor(holder()) }), true;
      if ((m = p.match(/^\/v1\/registrations\/([^/]+)$/)) && method === 'GET') return send(res, 200, cp.registration(holder(), decodeURIComponent(m[1]!))), true;

      if (p === '/v1/key-stores' && method === 'POST') {
        const e = holder();
        return send(res, 201, await cp.submitKeyStore(e, await readBody(req))), true;
      }
      if (p === '/v1/key-stores/credentials' && method === 'POST') {
        const e = holder();
        return send(res, 200, await cp.updateCredentials(e, await readBody(req))), true;
      }
      if (p === '/v1/ceremony-records' && method === 'POST') {
        const e = holder();
        return send(res, 200, await cp.recordCeremony(e, await json(req, ceremonyRecordRequestSchema))), true;
      }
      if (p === '/v1/ceremony-records' && method === 'GET') return send(res, 200, { records: cp.ceremonyRecordsFor(holder()) }), true;
      if (p === '/v1/ceremony-transcripts' && method === 'POST') {
        const e = holder();
        return send(res, 200, await cp.ceremonyTranscripts.put(e, await json(req, ceremonyTranscriptPutSchema, MAX_TRANSCRIPT_BODY))), true;
      }
      if (p === '/v1/ceremony-transcripts' && method === 'GET') return send(res, 200, cp.ceremonyTranscripts.list(holder())), true;
      if (p === '/v1/status' && method === 'GET') return send(res, 200, cp.environmentStatus(holder().environmentId)), true;
      if (p === '/v1/status/refresh' && method === 'POST') return send(res, 200, await cp.checkStatus(holder().environmentId)), true;

      // ---- vendor admin
      if (p === '/admin/enrolments' && method === 'POST') {
        admin();
        const body = await json(req, createEnrolmentRequestSchema);
        const { enrolment, token } = await cp.createEnrolment(body);
        return send(res, 201, { enrolmentId: enrolment.enrolmentId, environmentId: enrolment.environmentId, holder: enrolment.holder, createdAt: enrolment.createdAt, token }), true;
      }
      if (p === '/admin/registrations' && method === 'GET') {
        admin();
        return send(res, 200, { registrations: cp.allRegistrations() }), true;
      }
      if ((m = p.match(/^\/admin\/registrations\/([^/]+)\/(approve|reject)$/)) && method === 'POST') {
        admin();
        const body = await json(req, registrationDecisionSchema);
        return send(res, 200, await cp.decideRegistration(decodeURIComponent(m[1]!), m[2] === 'approve' ? 'registered' : 'rejected', body.reason)), true;
      }
      if (p === '/admin/settings' && (method === 'GET' || method === 'POST')) {
        admin();
        if (method === 'GET') return send(res, 200, cp.settings()), true;
        return send(res, 200, await cp.updateSettings(await json(req, controlPlaneSettingsSchema))), true;
      }
      if ((m = p.match(/^\/admin\/environments\/([^/]+)\/libraries(?:\/([^/]+)\/apply)?$/)) && method === 'POST') {
        admin();
        const envId = idSchema.safeParse(decodeURIComponent(m[1]!));
        if (!envId.success) throw new ApiFailure(400, 'bad_request', 'Not an environment ID.');
        if (!m[2]) return send(res, 201, await cp.createLibrary(envId.data, await json(req, createLibraryRequestSchema))), true;
        const body = await json(req, applyKeyRequestSchema);
        return send(res, 200, await cp.applyKey(envId.data, decodeURIComponent(m[2]), body.primaryKeyId)), true;
      }
      if ((m = p.match(/^\/admin\/environments\/([^/]+)(\/validate|\/status-check)?$/))) {
        admin();
        const envId = idSchema.safeParse(decodeURIComponent(m[1]!));
        if (!envId.success) throw new ApiFailure(400, 'bad_request', 'Not an environment ID.');
        if (!m[2] && method === 'GET') return send(res, 200, cp.environmentStatus(envId.data)), true;
        if (m[2] === '/validate' && method === 'POST') {
          await cp.validate(envId.data);
          return send(res, 200, cp.environmentStatus(envId.data)), true;
        }
        if (m[2] === '/status-check' && method === 'POST') return send(res, 200, await cp.checkStatus(envId.data)), true;
      }
      send(res, 404, { error: { code: 'not_found', message: `No ${method} ${p} on this control plane.` } });
      return true;
    } catch (e) {
      if (e instanceof ApiFailure) {
        send(res, e.status, { error: { code: e.code, message: e.message, ...(e.failures ? { failures: e.failures } : {}) } });
      } else if (e instanceof CeremonyTranscriptFailure) {
        send(res, e.status, { error: { code: e.code, message: e.message } });
      } else {
        // Never echo internal errors: they may quote submitted values.
        send(res, 500, { error: { code: 'internal', message: 'The control plane failed while handling this request.' } });
      }
      return true;
    }
  };
}
