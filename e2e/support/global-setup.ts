/**
 * Rebuilds dist/ before the browser specs when sources are newer than the
 * build, so `npx playwright test e2e/specs/x.spec.ts` never runs a stale
 * renderer. `npm test` has just built, so this is then a no-op. Set
 * KEYHOLDER_SKIP_BUILD=1 to skip the check.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../bridge/server';

function newest(dir: string): number {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (!e.name.endsWith('.test.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** The list reporter shows a skipped test as a bare dash: say once, up front, why the Electron spec will skip. */
function announceElectron(): void {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    if (typeof p === 'string' && existsSync(p)) return;
  } catch {
    // falls through: no binary
  }
  console.log('[e2e] e2e/electron will SKIP: Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD); the same services and screens run through the test bridge in Chromium.');
}

export default function globalSetup(): void {
  announceElectron();
  if (process.env.KEYHOLDER_SKIP_BUILD) return;
  const built = path.join(REPO_ROOT, 'dist/renderer/index.html');
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  const sources = Math.max(newest(path.join(REPO_ROOT, 'renderer')), newest(path.join(REPO_ROOT, 'shared')));
  if (builtAt >= sources) return;
  console.log('[e2e] renderer sources changed since the last build: running vite build');
  // Several people may run specs on one checkout: serialise builds where flock exists.
  const cmd = existsSync('/usr/bin/flock') ? ['/usr/bin/flock', ['/tmp/kh-build.lock', 'npx', 'vite', 'build', '--logLevel', 'warn']] : ['npx', ['vite', 'build', '--logLevel', 'warn']];
  execFileSync(cmd[0] as string, cmd[1] as string[], { cwd: REPO_ROOT, stdio: 'inherit' });
}
