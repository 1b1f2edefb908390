import { defineConfig } from 'vite';

// The renderer is a static bundle loaded by Electron from the app:// protocol
// (or by the test bridge over loopback); relative paths keep both working.
export default defineConfig({
  root: 'renderer',
  base: './',
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    sourcemap: false,
    target: 'chrome130',
  },
});
