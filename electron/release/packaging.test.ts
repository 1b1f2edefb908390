/**
 * What can be checked of the packaging here, without Electron's binary or
 * the other operating systems: electron-builder.yml against electron-builder's
 * own schema, the fuses it sets, which files the packaged app would contain
 * (from the config's `files` globs, with electron-builder's own matcher, over
 * a fresh build), that the bundles hold no test-bridge code and no source
 * maps, and, on Linux, a real electron-builder run of the unpacked layout
 * with a stand-in Electron folder (fuses need the real binary: off for that
 * run only). See docs/release.md.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const require_ = createRequire(path.join(ROOT, 'package.json'));
const config = parse(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & { files: string[]; electronFuses: Record<string, boolean> };
const schema = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/app-builder-lib/scheme.json'), 'utf8')) as { definitions: Record<string, { properties: Record<string, unknown> }> };

/** Strings only the test bridge has (checked against its source below, so they cannot go stale). */
const BRIDGE_MARKERS = ['__bridge', 'keyholder-bridge-token', 'x-keyholder-bridge-token'];

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p, base) : [path.relative(base, p).split(path.sep).join('/')];
  });
}

/** The files electron-builder would take from `appDir`, by its own matcher and the config's globs (package.json is always added). */
function packagedFiles(appDir: string): string[] {
  const { FileMatcher } = require_('app-builder-lib/out/fileMatcher') as {
    FileMatcher: new (from: string, to: string, expand: (s: string) => string, patterns: string[]) => { createFilter(): (file: string, stat: ReturnType<typeof statSync>) => boolean };
  };
  const patterns = config.files.includes('package.json') ? config.files : [...config.files, 'package.json'];
  const filter = new FileMatcher(appDir, '/app', (s) => s, patterns).createFilter();
  return walk(appDir)
    .filter((rel) => {
      // electron-builder's walker asks for every folder on the way, then the file.
      const parts = rel.split('/');
      for (let i = 1; i < parts.length; i++) {
        const dir = path.join(appDir, ...parts.slice(0, i));
        if (!filter(dir, statSync(dir))) return false;
      }
      const file = path.join(appDir, rel);
      return filter(file, statSync(file));
    })
    .sort();
}

function forbidden(file: string): string | null {
  if (/(^|\/)e2e\//.test(file)) return 'e2e';
  if (/bridge/i.test(file)) return 'test bridge';
  if (/(^|\/)fixtures?\//.test(file)) return 'fixtures';
  if (/\.test\.[cm]?[jt]sx?$/.test(file)) return 'test';
  if (/\.map$/.test(file)) return 'source map';
  if (/\.tsx?$/.test(file)) return 'TypeScript source';
  if (/(^|\/)node_modules\//.test(file)) return 'node_modules';
  return null;
}

let work: string;
let app: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'kh-packaging-'));
  app = path.join(work, 'app');
  // A fresh build, as `npm run package` makes it (dist/ may be stale or absent in a fresh clone).
  execFileSync(process.execPath, ['electron/build.mjs', '--out', app], { cwd: ROOT, stdio: 'pipe' });
  await viteBuild({ configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'silent', build: { outDir: path.join(app, 'renderer'), emptyOutDir: true } });
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('electron-builder configuration', () => {
  const validate = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(schema);

  it('is valid by electron-builder’s own schema', () => {
    const ok = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check catches a misspelt option and a wrong type', () => {
    expect(validate({ ...config, fileAsociations: [] })).toBe(false);
    expect(validate({ ...config, asar: 'yes' })).toBe(false);
    expect(validate({ ...config, electronFuses: { ...config.electronFuses, runAsNodes: false } })).toBe(false);
  });

  it('sets the fuses: no Node mode, no NODE_OPTIONS, no inspector, ASAR only and verified, cookies encrypted', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
    // Every fuse electron-builder knows is decided here, not left to Electron's default.
    const known = Object.keys(schema.definitions.FuseOptionsV1!.properties).filter((k) => k !== 'resetAdHocDarwinSignature');
    expect(Object.keys(config.electronFuses).sort()).toEqual(known.sort());
    expect(config.asar).toBe(true);
  });

  it('builds every installer the release promises, and registers .khescrow', () => {
    const targets = (os: string) => ((config[os] as { target: { target: string }[] }).target ?? []).map((t) => t.target).sort();
    expect(targets('win')).toEqual(['msi', 'nsis']);
    expect(targets('mac')).toEqual(['dmg']);
    expect(targets('linux')).toEqual(['AppImage', 'deb']);
    expect(config.nsis).toMatchObject({ perMachine: false, deleteAppDataOnUninstall: false });
    expect(config.msi).toMatchObject({ perMachine: true });
    expect(config.mac).toMatchObject({ hardenedRuntime: true, entitlements: 'assets/build/entitlements.mac.plist' });
    expect(readFileSync(path.join(ROOT, 'assets/build/entitlements.mac.plist'), 'utf8')).toContain('com.apple.security.cs.allow-jit');
    expect(config.fileAssociations).toEqual([expect.objectContaining({ ext: 'khescrow' })]);
    expect(config.publish).toBeNull();
    for (const os of ['win', 'mac', 'linux']) expect(existsSync(path.join(ROOT, (config[os] as { icon: string }).icon)), `${os} icon`).toBe(true);
  });
});

describe('the packaged app', () => {
  it('contains only the bundles, the page, its package.json and the tray icons', () => {
    const files = packagedFiles(app);
    expect(files.filter((f) => forbidden(f))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'main/main.cjs', 'preload/preload.cjs', 'renderer/index.html', 'icons/16x16.png', 'icons/32x32.png', 'icons/256x256.png']));
    // Anything else is a surprise to look at (a new kind of renderer asset is fine: add its extension here).
    const expected = /^(package\.json|main\/main\.cjs|preload\/preload\.cjs|renderer\/.+\.(html|js|css|woff2?|svg|png)|icons\/\d+x\d+\.png)$/;
    expect(files.filter((f) => !expected.test(f))).toEqual([]);
    const pkg = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.main).toBe('main/main.cjs');
    expect(pkg.dependencies).toBeUndefined();
  });

  it('would leave out test code, fixtures and source maps even if they landed in the build folder', () => {
    const stray = ['e2e/bridge/server.ts', 'e2e/fixtures/x.khescrow', 'main/main.cjs.map', 'renderer/assets/index.js.map', 'main/dispatch.test.ts', 'node_modules/x/index.js'];
    for (const f of stray) {
      mkdirSync(path.dirname(path.join(app, f)), { recursive: true });
      writeFileSync(path.join(app, f), 'stray');
    }
    try {
      const files = packagedFiles(app);
      for (const f of stray) expect(files).not.toContain(f);
    } finally {
      for (const top of ['e2e', 'node_modules', 'main/main.cjs.map', 'renderer/assets/index.js.map', 'main/dispatch.test.ts']) rmSync(path.join(app, top), { recursive: true, force: true });
    }
  });

  it('its main, preload and renderer bundles hold no test-bridge code and no source-map links', () => {
    const bridgeSource = readFileSync(path.join(ROOT, 'e2e/bridge/client.ts'), 'utf8') + readFileSync(path.join(ROOT, 'e2e/bridge/server.ts'), 'utf8');
    for (const m of BRIDGE_MARKERS) expect(bridgeSource, `marker ${m} no longer in the bridge: update the test`).toContain(m);
    const bundles = packagedFiles(app).filter((f) => /\.(c?js|html)$/.test(f));
    expect(bundles.length).toBeGreaterThanOrEqual(4);
    for (const f of bundles) {
      const text = readFileSync(path.join(app, f), 'utf8');
      for (const m of BRIDGE_MARKERS) expect(text.includes(m), `${f} contains "${m}"`).toBe(false);
      expect(text, f).not.toMatch(/sourceMappingURL=/);
    }
  });

  it('the bridge check does find bridge code when it is bundled (control)', async () => {
    const r = await esbuild({ entryPoints: [path.join(ROOT, 'e2e/bridge/client.ts')], bundle: true, write: false, platform: 'node', logLevel: 'silent' });
    const text = r.outputFiles[0]!.text;
    expect(BRIDGE_MARKERS.some((m) => text.includes(m))).toBe(true);
  });

  it.runIf(process.platform === 'linux')('electron-builder packs exactly those files into app.asar (unpacked Linux layout, stand-in Electron)', async () => {
    const electronDist = path.join(work, 'electron-dist');
    mkdirSync(path.join(electronDist, 'resources'), { recursive: true });
    writeFileSync(path.join(electronDist, 'electron'), '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(electronDist, 'electron'), 0o755);
    const out = path.join(work, 'release');
    const { build, Platform } = (await import('electron-builder')) as typeof import('electron-builder');
    const { listPackage } = require_('@electron/asar') as { listPackage(archive: string): string[] };
    await build({
      projectDir: ROOT,
      targets: Platform.LINUX.createTarget('dir'),
      publish: 'never',
      config: { ...config, electronDist, electronFuses: null, directories: { ...(config.directories as object), app, output: out } } as never,
    });
    const asar = path.join(out, 'linux-unpacked/resources/app.asar');
    const inside = listPackage(asar)
      .map((p) => p.replace(/^[\\/]/, '').split(path.sep).join('/'))
      .filter((p) => !statSync(path.join(app, p), { throwIfNoEntry: false })?.isDirectory());
    expect(inside.sort()).toEqual(packagedFiles(app));
    expect(readdirSync(path.join(out, 'linux-unpacked/resources'))).toEqual(['app.asar']);
  }, 120_000);
});
