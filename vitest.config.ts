import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

/** The pure layers: no servers, files or process-wide state, so their files can share a worker's modules. */
const PURE = ['shared', 'renderer'];

/** Pure-layer test files whose `vi.mock` replaces a module: they need a module registry of their own. */
function mockingTestFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(path.join(import.meta.dirname, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.test.ts') && /\bvi\.(do)?mock\(/.test(readFileSync(path.join(import.meta.dirname, rel), 'utf8'))) found.push(rel);
    }
  };
  for (const dir of PURE) walk(dir);
  return found;
}

const exclude = ['node_modules', 'dist'];
const mocking = mockingTestFiles();

// How these settings were chosen, with measurements: docs/testing.md.
export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single worker on the 2-core CI. The tests mostly wait
    // (servers on loopback, scrypt and RSA on libuv's threads), so one worker per core keeps both cores busy.
    maxWorkers: Math.max(2, availableParallelism()),
    projects: [
      {
        extends: true,
        // Files share a worker's module cache instead of each importing everything again in a fresh process.
        test: { name: 'pure', include: PURE.map((d) => `${d}/**/*.test.ts`), exclude: [...exclude, ...mocking], isolate: false },
      },
      {
        extends: true,
        // Services, the rehearsal cloud, the CLI and the integration tests keep a process per file: module state
        // (the process-wide passphrase throttle, SDK caches, vi.mock) must not reach another file.
        test: { name: 'node', include: ['electron/**/*.test.ts', 'e2e/bridge/**/*.test.ts', '*.test.ts', ...mocking], exclude, isolate: true },
      },
    ],
  },
});
