/**
 * Checks JSON 1.1 bodies against AWS's published KMS API model (copied into
 * ./specs/aws-kms, Apache-2.0, see its NOTICE): structures are closed (a
 * member the model does not name fails), required members present, and each
 * value of the model's type (blob = base64, timestamp = epoch seconds).
 *
 * `checkingHandler` wraps the SDK's NodeHttpHandler so every request the
 * official client sends and every response the double returns is checked.
 */
import fs from 'node:fs';
import type https from 'node:https';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const KMS_MODEL_FILE = fileURLToPath(new URL('./specs/aws-kms/2014-11-01/kms-2014-11-01.min.json', import.meta.url));

interface Shape {
  type?: string;
  shape?: string;
  members?: Record<string, Shape>;
  required?: string[];
  member?: Shape;
  key?: Shape;
  value?: Shape;
}
interface Model {
  metadata: { targetPrefix: string; jsonVersion: string };
  operations: Record<string, { input?: Shape; output?: Shape }>;
  shapes: Record<string, Shape>;
}

function loadKmsModel(): Model {
  return JSON.parse(fs.readFileSync(KMS_MODEL_FILE, 'utf8')) as Model;
}

export function createKmsValidator(model = loadKmsModel()) {
  // A member may point at a shared shape ("shape": "S1f") and add traits of its own beside it.
  const resolve = (s: Shape): Shape => {
    if (!s.shape) return s;
    const { shape, ...own } = s;
    return { ...resolve(model.shapes[shape]!), ...own };
  };
  function check(s0: Shape, v: unknown, at: string, out: string[]): void {
    const s = resolve(s0);
    const type = s.type ?? 'string';
    switch (type) {
      case 'structure': {
        if (!v || typeof v !== 'object' || Array.isArray(v)) return void out.push(`${at}: not a structure`);
        const o = v as Record<string, unknown>;
        for (const r of s.required ?? []) if (o[r] === undefined) out.push(`${at}.${r}: required member missing`);
        for (const [k, x] of Object.entries(o)) {
          const m = s.members?.[k];
          if (!m) out.push(`${at}.${k}: member not in the model`);
          else check(m, x, `${at}.${k}`, out);
        }
        return;
      }
      case 'list':
        if (!Array.isArray(v)) return void out.push(`${at}: not a list`);
        v.forEach((x, i) => check(s.member ?? {}, x, `${at}[${i}]`, out));
        return;
      case 'map':
        if (!v || typeof v !== 'object' || Array.isArray(v)) return void out.push(`${at}: not a map`);
        for (const [k, x] of Object.entries(v)) {
          check(s.key ?? {}, k, `${at} key`, out);
          check(s.value ?? {}, x, `${at}.${k}`, out);
        }
        return;
      case 'blob':
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) out.push(`${at}: not base64`);
        return;
      case 'timestamp':
        if (typeof v !== 'number' || !Number.isFinite(v)) out.push(`${at}: not epoch seconds`);
        return;
      case 'boolean':
        if (typeof v !== 'boolean') out.push(`${at}: not a boolean`);
        return;
      case 'integer':
      case 'long':
        if (!Number.isInteger(v)) out.push(`${at}: not an integer`);
        return;
      default:
        if (typeof v !== 'string') out.push(`${at}: not a string`);
    }
  }
  return {
    model,
    input(operation: string, body: unknown): string[] {
      const op = model.operations[operation];
      if (!op) return [`${operation}: not an operation of the model`];
      const out: string[] = [];
      check(op.input ?? { type: 'structure', members: {} }, body, `${operation} input`, out);
      return out;
    },
    output(operation: string, body: unknown): string[] {
      const op = model.operations[operation];
      if (!op) return [`${operation}: not an operation of the model`];
      const out: string[] = [];
      check(op.output ?? { type: 'structure', members: {} }, body, `${operation} output`, out);
      return out;
    },
  };
}

async function drain(body: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks);
}

/** The SDK's own handler on the rehearsal agent, checking both directions against the model. */
export function checkingHandler(agent: https.Agent) {
  const validator = createKmsValidator();
  const inner = new NodeHttpHandler({ httpsAgent: agent });
  const problems: string[] = [];
  const seen: string[] = [];
  const errors: string[] = [];
  const handler = {
    metadata: inner.metadata,
    updateHttpClientConfig: inner.updateHttpClientConfig.bind(inner),
    httpHandlerConfigs: inner.httpHandlerConfigs.bind(inner),
    destroy: () => inner.destroy(),
    async handle(request: Parameters<NodeHttpHandler['handle']>[0], options?: Parameters<NodeHttpHandler['handle']>[1]): ReturnType<NodeHttpHandler['handle']> {
      const target = String(request.headers['x-amz-target'] ?? '');
      const operation = target.replace(/^TrentService\./, '');
      const sent = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
      problems.push(...validator.input(operation, JSON.parse(sent || '{}')));
      const { response } = await inner.handle(request, options);
      const raw = await drain(response.body);
      const text = raw.toString('utf8');
      if (response.statusCode === 200) {
        seen.push(operation);
        problems.push(...validator.output(operation, JSON.parse(text || '{}')));
      } else {
        const e = JSON.parse(text) as { __type?: unknown; message?: unknown };
        if (typeof e.__type !== 'string' || typeof e.message !== 'string') problems.push(`${operation} error ${response.statusCode}: not {__type, message}`);
        errors.push(`${operation}:${String(e.__type)}`);
      }
      response.body = Readable.from([raw]);
      return { response };
    },
  };
  return { handler, problems, seen, errors };
}
