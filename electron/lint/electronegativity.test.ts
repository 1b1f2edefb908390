/**
 * The Electronegativity gate: findings are compared with the committed,
 * justified allow-list, and anything new fails. The last test runs the real
 * tool on a fixture with an insecure window to prove a new finding is caught.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findingsFromSarif, gate, parseAllowList, readAllowList, scan, type AllowEntry, type Finding } from './electronegativity';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const finding = (check: string, file: string, line = 1): Finding => ({ check, level: 'warning', file, line, message: 'm' });
const entry = (check: string, file: string, max = 1): AllowEntry => ({ check, file, max, why: 'a justification long enough' });

describe('Electronegativity allow-list gate', () => {
  it('passes when every finding is justified, whatever line it moved to', () => {
    const r = gate([finding('PRELOAD_JS_CHECK', 'electron/main/main.ts', 99), finding('OPEN_EXTERNAL_JS_CHECK', 'electron/main/main.ts', 5)], [
      entry('PRELOAD_JS_CHECK', 'electron/main/main.ts'),
      entry('OPEN_EXTERNAL_JS_CHECK', 'electron/main/main.ts'),
    ]);
    expect(r.unexpected).toEqual([]);
    expect(r.stale).toEqual([]);
    expect(r.allowed).toHaveLength(2);
  });

  it('fails on a new check, the same check in another file, and one occurrence more than justified', () => {
    const allow = [entry('OPEN_EXTERNAL_JS_CHECK', 'electron/main/main.ts', 2)];
    const r = gate(
      [
        finding('OPEN_EXTERNAL_JS_CHECK', 'electron/main/main.ts', 1),
        finding('OPEN_EXTERNAL_JS_CHECK', 'electron/main/main.ts', 2),
        finding('OPEN_EXTERNAL_JS_CHECK', 'electron/main/main.ts', 3),
        finding('OPEN_EXTERNAL_JS_CHECK', 'electron/main/other.ts'),
        finding('NODE_INTEGRATION_JS_CHECK', 'electron/main/main.ts'),
      ],
      allow,
    );
    expect(r.unexpected.map((f) => `${f.check} ${f.file}:${f.line}`)).toEqual([
      'OPEN_EXTERNAL_JS_CHECK electron/main/main.ts:3',
      'OPEN_EXTERNAL_JS_CHECK electron/main/other.ts:1',
      'NODE_INTEGRATION_JS_CHECK electron/main/main.ts:1',
    ]);
  });

  it('reports entries that match nothing any more, so the list stays true', () => {
    expect(gate([], [entry('PRELOAD_JS_CHECK', 'electron/main/main.ts')]).stale).toHaveLength(1);
  });

  it('refuses entries without a justification or a count', () => {
    expect(() => parseAllowList('{"allowed":[{"check":"X","file":"f","max":1,"why":"ok"}]}')).toThrow(/justification/);
    expect(() => parseAllowList('{"allowed":[{"check":"X","file":"f","max":0,"why":"a justification long enough"}]}')).toThrow(/max/);
    expect(() => parseAllowList('[]')).toThrow(/allowed/);
  });

  it('reads SARIF results, global checks as "(global)"', () => {
    const sarif = JSON.stringify({
      runs: [
        {
          results: [
            { ruleId: 'CSP_GLOBAL_CHECK', level: 'note', message: { text: 'csp' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'renderer/index.html' }, region: { startLine: 5 } } }] },
            { ruleId: 'LIMIT_NAVIGATION_GLOBAL_CHECK', level: 'warning', message: { text: 'nav' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'file:///' } } }] },
          ],
        },
      ],
    });
    expect(findingsFromSarif(sarif)).toEqual([
      { check: 'CSP_GLOBAL_CHECK', level: 'note', file: 'renderer/index.html', line: 5, message: 'csp' },
      { check: 'LIMIT_NAVIGATION_GLOBAL_CHECK', level: 'warning', file: '(global)', line: 0, message: 'nav' },
    ]);
  });

  it('the committed allow-list is valid and every entry is explained in docs/electronegativity.md', () => {
    const allow = readAllowList(path.join(root, 'docs/electronegativity-allow.json'));
    const doc = fs.readFileSync(path.join(root, 'docs/electronegativity.md'), 'utf8');
    expect(allow.length).toBeGreaterThan(0);
    for (const a of allow) expect(doc, `${a.check} ${a.file}`).toMatch(new RegExp(`\\| \`${a.check}\`[^|]*\\| \`${a.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\``));
  });

  it('the real tool reports an insecure window, which the committed list does not excuse', () => {
    const electron = (JSON.parse(fs.readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
    const findings = scan(root, path.join(root, 'e2e/fixtures/electronegativity'), electron);
    const r = gate(findings, readAllowList(path.join(root, 'docs/electronegativity-allow.json')));
    expect(r.unexpected.map((f) => f.check)).toEqual(expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK']));
  }, 120_000);
});
