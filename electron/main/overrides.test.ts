import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appEnvironment, DEV_ONLY_OVERRIDES, PRODUCTION_SETTINGS } from './overrides';

const root = path.resolve(__dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('test and rehearsal overrides', () => {
  const env = { KEYHOLDER_DATA_DIR: '/tmp/elsewhere', KEYHOLDER_REHEARSAL_HOLDER: '2', KEYHOLDER_LIVE_CLIENT_ID: 'c1', PATH: '/usr/bin' };

  it('are honoured in an unpackaged build', () => {
    const d = appEnvironment(env, false);
    expect(d.env).toEqual(env);
    expect(d.ignored).toEqual([]);
  });

  it('are dropped in a packaged build, and named (not their values) so main can say so', () => {
    const d = appEnvironment(env, true);
    expect(d.env.KEYHOLDER_DATA_DIR).toBeUndefined();
    expect(d.env.KEYHOLDER_REHEARSAL_HOLDER).toBeUndefined();
    expect(d.ignored.sort()).toEqual(['KEYHOLDER_DATA_DIR', 'KEYHOLDER_REHEARSAL_HOLDER']);
    expect(JSON.stringify(d.ignored)).not.toContain('/tmp/elsewhere');
  });

  it('keep the live tenant settings and everything else in a packaged build', () => {
    const d = appEnvironment(env, true);
    expect(d.env.KEYHOLDER_LIVE_CLIENT_ID).toBe('c1');
    expect(d.env.PATH).toBe('/usr/bin');
  });

  it('include the policy-file override, so a packaged app always reads IT’s real policy', () => {
    expect(appEnvironment({ KEYHOLDER_POLICY_FILE: '/tmp/my-policy.json' }, true).env.KEYHOLDER_POLICY_FILE).toBeUndefined();
    expect(appEnvironment({ KEYHOLDER_POLICY_FILE: '/tmp/my-policy.json' }, false).env.KEYHOLDER_POLICY_FILE).toBe('/tmp/my-policy.json');
  });

  it('do not touch the caller’s environment', () => {
    const mine = { ...env };
    appEnvironment(mine, true);
    expect(mine).toEqual(env);
  });

  it('cover every KEYHOLDER_ variable that main, composition and services read', () => {
    const read = new Set<string>();
    for (const dir of ['electron/main', 'electron/composition', 'electron/services']) {
      for (const file of sources(path.join(root, dir))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/\b(?:\w*[eE]nv)\.(KEYHOLDER_[A-Z0-9_]+)/g)) read.add(m[1]!);
      }
    }
    expect(read.size).toBeGreaterThan(0);
    const known = new Set<string>([...DEV_ONLY_OVERRIDES, ...PRODUCTION_SETTINGS]);
    expect([...read].filter((n) => !known.has(n))).toEqual([]);
  });
});
