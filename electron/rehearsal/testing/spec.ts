/**
 * Validates Key Vault response bodies against Microsoft's OpenAPI (swagger
 * 2.0) definitions copied into ./specs (MIT, see specs/azure-keyvault/NOTICE). Definitions are JSON Schema draft-04
 * plus swagger keywords; object definitions are closed (additionalProperties
 * false) so a field the spec does not name fails too.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

export const SPEC_DIR = fileURLToPath(new URL('./specs/azure-keyvault/2025-07-01/', import.meta.url));

type Schema = Record<string, unknown>;

function close(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(close);
  if (!s || typeof s !== 'object') return s;
  const o: Schema = {};
  for (const [k, v] of Object.entries(s as Schema)) o[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Schema).map(([pk, pv]) => [pk, close(pv)])) : close(v);
  if (o.type === 'object' && o.properties && o.additionalProperties === undefined) o.additionalProperties = false;
  // Key Vault ends every list with "nextLink": null (recorded live); swagger 2.0 cannot say nullable.
  if (o.type === 'object' && o.properties && (o.properties as Schema).nextLink) (o.properties as Schema).nextLink = { type: ['string', 'null'] };
  // swagger 2.0 puts description/readOnly beside $ref; draft-04 ignores siblings of $ref, which is what we want.
  return o;
}

export function loadSpec(): { paths: Record<string, Record<string, unknown>>; definitions: Schema } {
  return JSON.parse(fs.readFileSync(`${SPEC_DIR}keys.json`, 'utf8')) as { paths: Record<string, Record<string, unknown>>; definitions: Schema };
}

export function createValidator() {
  const spec = loadSpec();
  const ajv = new Ajv04({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('base64url', /^[A-Za-z0-9_-]*$/);
  ajv.addSchema({ id: 'kv', definitions: close(spec.definitions) as Schema });
  return (definition: string, body: unknown): string[] => {
    const v = ajv.getSchema(`kv#/definitions/${definition}`)!;
    return v(body) ? [] : (v.errors ?? []).map((e) => `${definition}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  };
}

/** Which response definition the spec gives for a request (method + path), or null for a body-less 204. */
export function responseDefinition(method: string, pathname: string, status: number): string | null {
  if (status >= 400) return 'KeyVaultError';
  if (status === 204) return null;
  const p = pathname.replace(/\/$/, '');
  const rules: [string, RegExp, string][] = [
    ['GET', /^\/keys$/, 'KeyListResult'],
    ['GET', /^\/keys\/[^/]+\/versions$/, 'KeyListResult'],
    ['GET', /^\/keys\/[^/]+\/rotationpolicy$/, 'KeyRotationPolicy'],
    ['PUT', /^\/keys\/[^/]+\/rotationpolicy$/, 'KeyRotationPolicy'],
    ['GET', /^\/deletedkeys$/, 'DeletedKeyListResult'],
    ['GET', /^\/deletedkeys\/[^/]+$/, 'DeletedKeyBundle'],
    ['POST', /^\/deletedkeys\/[^/]+\/recover$/, 'KeyBundle'],
    ['POST', /^\/keys\/restore$/, 'KeyBundle'],
    ['POST', /^\/keys\/[^/]+\/backup$/, 'BackupKeyResult'],
    ['DELETE', /^\/keys\/[^/]+$/, 'DeletedKeyBundle'],
    ['PUT', /^\/keys\/[^/]+$/, 'KeyBundle'],
    ['POST', /^\/keys\/[^/]+\/(create|rotate)$/, 'KeyBundle'],
    ['GET', /^\/keys\/[^/]+(\/[^/]*)?$/, 'KeyBundle'],
    ['PATCH', /^\/keys\/[^/]+(\/[^/]*)?$/, 'KeyBundle'],
    ['GET', /^\/keys\/[^/]+\/[^/]*\/attestation$/, 'KeyBundle'],
    ['POST', /^\/keys\/[^/]+\/[^/]*\/verify$/, 'KeyVerifyResult'],
    ['POST', /^\/keys\/[^/]+\/[^/]*\/(encrypt|decrypt|wrapkey|unwrapkey|sign)$/i, 'KeyOperationResult'],
    ['POST', /^\/rng$/, 'RandomBytes'],
  ];
  const hit = rules.find(([m, re]) => m === method && re.test(p));
  if (!hit) throw new Error(`no spec response for ${method} ${pathname}`);
  return hit[2];
}

/** A pipeline policy that validates every Key Vault response the SDK receives; failures collect in `problems`. */
export function specCheckPolicy(validate: ReturnType<typeof createValidator>) {
  const seen: string[] = [];
  const problems: string[] = [];
  const policy: PipelinePolicy = {
    name: 'rehearsal-spec-check',
    async sendRequest(request, next) {
      const response = await next(request);
      const url = new URL(request.url);
      const def = responseDefinition(request.method, url.pathname, response.status);
      seen.push(`${request.method} ${url.pathname} ${response.status} ${def ?? '-'}`);
      if (def) {
        let body: unknown;
        try {
          body = JSON.parse(response.bodyAsText ?? '');
        } catch {
          problems.push(`${request.method} ${url.pathname}: body is not JSON`);
          return response;
        }
        problems.push(...validate(def, body).map((p) => `${request.method} ${url.pathname}: ${p}`));
      } else if (response.bodyAsText) {
        problems.push(`${request.method} ${url.pathname}: 204 with a body`);
      }
      return response;
    },
  };
  return { policy, seen, problems };
}
