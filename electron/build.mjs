// Builds Electron's main process and preload (CommonJS: sandboxed preloads
// cannot be ES modules). The renderer is built by Vite.
//
// dist/ is the whole app as packaged (electron-builder's `directories.app`):
// the bundles, a package.json of its own without dependencies (everything is
// bundled), and the icon sizes the tray and the about panel use. The about panel's commit is baked into
// main here: $KEYHOLDER_COMMIT, else $GITHUB_SHA, else `git rev-parse`, with
// "-dirty" when the work tree has uncommitted changes.
//
// `--out DIR` builds main, preload and the app files into DIR instead of dist/
// (the packaging test builds a fresh copy to inspect).
// The preload gets the contract's channel and event names baked in at build
// time instead of importing the contract (and zod with every schema) into the
// page's preload: it only needs the names; validation happens in main.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: false,
  external: ['electron'],
  logLevel: 'warning',
};

const outIndex = process.argv.indexOf('--out');
const out = outIndex > 0 ? path.resolve(process.argv[outIndex + 1] ?? '') : path.resolve('dist');

function git(...args) {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** The commit the about panel names; "unknown" outside a git checkout (a source tarball). */
function buildCommit() {
  const given = (process.env.KEYHOLDER_COMMIT || process.env.GITHUB_SHA || '').trim();
  if (given) return given.slice(0, 12);
  const head = git('rev-parse', '--short=12', 'HEAD');
  if (!head) return 'unknown';
  return git('status', '--porcelain', '--untracked-files=no') ? `${head}-dirty` : head;
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const commit = buildCommit();

const tmp = mkdtempSync(path.join(tmpdir(), 'kh-build-'));
try {
  const namesFile = path.join(tmp, 'names.mjs');
  await build({ ...common, format: 'esm', external: [], entryPoints: ['shared/ipc/contract.ts'], outfile: namesFile });
  const { channelNames, eventNames } = await import(pathToFileURL(namesFile).href);

  await build({
    ...common,
    entryPoints: ['electron/main/main.ts'],
    outfile: path.join(out, 'main/main.cjs'),
    define: { __KEYHOLDER_COMMIT__: JSON.stringify(commit) },
  });
  await build({
    ...common,
    platform: 'browser',
    target: 'chrome130',
    entryPoints: ['electron/preload/preload.ts'],
    outfile: path.join(out, 'preload/preload.cjs'),
    define: {
      __KEYHOLDER_CHANNELS__: JSON.stringify(channelNames),
      __KEYHOLDER_EVENTS__: JSON.stringify(eventNames),
    },
  });
  // The packaged app's own package.json: what Electron and electron-builder read, and no dependencies to collect.
  const appPackage = {
    name: pkg.name,
    productName: pkg.productName,
    version: pkg.version,
    description: pkg.description,
    author: pkg.author ?? 'Key Holder authors',
    license: pkg.license ?? 'UNLICENSED',
    main: 'main/main.cjs',
  };
  writeFileSync(path.join(out, 'package.json'), JSON.stringify(appPackage, null, 2) + '\n');
  mkdirSync(path.join(out, 'icons'), { recursive: true });
  // 16 and 32 for the tray (1x and 2x screens), 256 for the about panel's icon on Windows and Linux.
  for (const size of [16, 32, 256]) copyFileSync(`assets/icons/png/${size}x${size}.png`, path.join(out, `icons/${size}x${size}.png`));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
