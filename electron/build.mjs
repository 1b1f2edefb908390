// Builds Electron's main process and preload (CommonJS: sandboxed preloads
// cannot be ES modules). The renderer is built by Vite.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: false,
  external: ['electron'],
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['electron/main/main.ts'], outfile: 'dist/main/main.cjs' });
await build({ ...common, entryPoints: ['electron/preload/preload.ts'], outfile: 'dist/preload/preload.cjs' });
