/**
 * The OpenAPI description stays in step with the code: every route the
 * router serves is documented (and nothing else), and the documented failure
 * codes and status names are exactly the shared schemas'.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { primaryKeyStatusSchema, validationFailureCodeSchema } from '../../../shared/control-plane/api';

const doc = fs.readFileSync(path.join(__dirname, '../../../docs/api/control-plane.openapi.yaml'), 'utf8');
const router = fs.readFileSync(path.join(__dirname, 'router.ts'), 'utf8');

describe('docs/api/control-plane.openapi.yaml', () => {
  it('is valid YAML whose every $ref points at a component it defines', () => {
    // A vendor feeds this file to a generator: a line that only a regex can read is a broken contract.
    const parsed = parseYaml(doc) as { openapi?: string; paths?: Record<string, unknown>; components?: Record<string, Record<string, unknown>> };
    expect(parsed.openapi).toBe('3.1.0');
    expect(Object.keys(parsed.paths ?? {}).length).toBeGreaterThan(0);
    const refs = [...JSON.stringify(parsed).matchAll(/"\$ref":"#\/components\/([^/"]+)\/([^"]+)"/g)];
    expect(refs.length).toBeGreaterThan(0);
    for (const [, kind, name] of refs) expect(parsed.components?.[kind!]?.[name!], `#/components/${kind}/${name}`).toBeDefined();
  });

  it('is OpenAPI 3.1 and documents exactly the router’s paths', () => {
    expect(doc).toMatch(/^openapi: 3\.1\.0$/m);
    const documented = [...doc.matchAll(/^ {2}(\/[^:\s]+):$/gm)].map((m) => m[1]!.replace(/\{[^}]+\}/g, '{}')).sort();
    // Literal paths and the regex routes of router.ts, normalised to the same shape.
    const literal = [...router.matchAll(/p === '([^']+)'/g)].map((m) => m[1]!);
    const patterns = ['/v1/registrations/{}', '/admin/registrations/{}/approve', '/admin/registrations/{}/reject', '/admin/environments/{}', '/admin/environments/{}/validate', '/admin/environments/{}/status-check', '/admin/environments/{}/libraries', '/admin/environments/{}/libraries/{}/apply'];
    expect(router).toContain("/^\\/admin\\/registrations\\/([^/]+)\\/(approve|reject)$/");
    const served = [...new Set(['/.well-known/keyholder-control-plane', ...literal.filter((p) => p !== 'DISCOVERY_PATH'), ...patterns])].sort();
    expect(documented).toEqual(served);
  });

  it('lists every validation failure code and primary-key status', () => {
    for (const c of validationFailureCodeSchema.options) expect(doc).toMatch(new RegExp(`\\b${c}\\b`));
    const enumLine = doc.match(/status: \{ type: string, enum: \[(Available[^\]]*)\] \}/)?.[1]?.split(', ');
    expect(enumLine).toEqual(primaryKeyStatusSchema.options);
  });
});
