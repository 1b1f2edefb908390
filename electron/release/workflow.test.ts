/**
 * The release workflow cannot run here; what can be checked is checked: it
 * parses, every npm script it runs exists, `npm run package` gets only options
 * package.ts accepts, it builds on all three operating systems, runs the unit
 * tests and the _electron spec under Xvfb, and publishes SHA256SUMS and a
 * CycloneDX SBOM beside the installers.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

interface Step { run?: string; uses?: string; with?: Record<string, unknown> }
interface Job { 'runs-on': string; steps: Step[]; needs?: string | string[]; strategy?: { matrix: { include: { os: string; flag: string }[] } } }
const workflow = parse(readFileSync(path.join(ROOT, '.github/workflows/release.yml'), 'utf8')) as { on: unknown; jobs: Record<string, Job> };
const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
const runs = steps.flatMap((s) => (s.run ? [s.run] : []));

/** `npm run NAME`, `npm test`, `npm start` … in a shell line. */
function npmScriptsIn(line: string): string[] {
  const named = [...line.matchAll(/\bnpm\s+run(?:-script)?\s+([\w:.-]+)/g)].map((m) => m[1]!);
  const builtin = [...line.matchAll(/\bnpm\s+(test|start|stop|restart)\b/g)].map((m) => m[1]!);
  return [...named, ...builtin];
}

describe('release workflow', () => {
  it('parses, and runs on a version tag', () => {
    expect(Object.keys(workflow.jobs).sort()).toEqual(['package', 'publish', 'test']);
    expect(JSON.stringify(workflow.on)).toContain('v*');
  });

  it('names only npm scripts that exist', () => {
    const used = runs.flatMap(npmScriptsIn);
    expect(used.length).toBeGreaterThan(3);
    expect(used.filter((s) => !(s in scripts))).toEqual([]);
  });

  it('the check above does catch a missing script (control)', () => {
    expect(npmScriptsIn('npm run no-such-script -- --x').filter((s) => !(s in scripts))).toEqual(['no-such-script']);
  });

  it('packages on Windows, macOS and Linux with options npm run package accepts', () => {
    const matrix = workflow.jobs.package!.strategy!.matrix.include;
    expect(matrix.map((m) => m.os.split('-')[0]).sort()).toEqual(['macos', 'ubuntu', 'windows']);
    const accepted = new Set(['--linux', '--win', '--mac', '--dir', '--require-signing']);
    const help = readFileSync(path.join(ROOT, 'electron/release/package.ts'), 'utf8');
    for (const flag of accepted) expect(help).toContain(`'${flag}'`);
    for (const m of matrix) expect(accepted.has(m.flag)).toBe(true);
    const packageRun = runs.find((r) => r.includes('npm run package'))!;
    for (const literal of packageRun.match(/--[a-z-]+/g) ?? []) expect(accepted.has(literal), literal).toBe(true);
  });

  it('runs the unit tests, and the _electron spec under Xvfb', () => {
    expect(runs).toContain('npm run test:unit');
    const e2e = runs.find((r) => r.includes('xvfb-run'))!;
    expect(e2e).toMatch(/npm run test:e2e -- (\S+)/);
    const spec = /npm run test:e2e -- (\S+)/.exec(e2e)![1]!;
    expect(existsSync(path.join(ROOT, spec))).toBe(true);
    expect(readFileSync(path.join(ROOT, spec), 'utf8')).toContain('_electron');
  });

  it('publishes the installers with SHA256SUMS and a CycloneDX SBOM', () => {
    const publish = workflow.jobs.publish!.steps.flatMap((s) => (s.run ? [s.run] : []));
    expect(publish.some((r) => /sha256sum .*> SHA256SUMS/.test(r))).toBe(true);
    expect(publish.some((r) => /@cyclonedx\/cyclonedx-npm@\d+\.\d+\.\d+ .*--omit dev/.test(r))).toBe(true);
    expect(publish.some((r) => /gh release create/.test(r))).toBe(true);
    const upload = workflow.jobs.package!.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    for (const ext of ['exe', 'msi', 'dmg', 'AppImage', 'deb']) expect(String(upload.with!.path)).toContain(`*.${ext}`);
  });
});
