// Builds Electron's main process and preload (CommonJS: sandboxed preloads
// cannot be ES modules). The renderer is built by Vite.
//
// The preload gets the contract's channel and event names baked in at build
// time instead of importing the contract (and zod with every schema) into the
// page's preload: it only needs the names; validation happens in main.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
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

const tmp = mkdtempSync(path.join(tmpdir(), 'kh-build-'));
try {
  const namesFile = path.join(tmp, 'names.mjs');
  await build({ ...common, format: 'esm', external: [], entryPoints: ['shared/ipc/contract.ts'], outfile: namesFile });
  const { channelNames, eventNames } = await import(pathToFileURL(namesFile).href);

  await build({ ...common, entryPoints: ['electron/main/main.ts'], outfile: 'dist/main/main.cjs' });
  await build({
    ...common,
    platform: 'browser',
    target: 'chrome130',
    entryPoints: ['electron/preload/preload.ts'],
    outfile: 'dist/preload/preload.cjs',
    define: {
      __KEYHOLDER_CHANNELS__: JSON.stringify(channelNames),
      __KEYHOLDER_EVENTS__: JSON.stringify(eventNames),
    },
  });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
