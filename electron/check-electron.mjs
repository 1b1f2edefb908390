// Runs before `npm start` builds anything: without Electron's program (npm ci
// skipped its download, or there was no network) `electron .` would end in a
// stack trace. This says why, and what works without it, in three lines.
//
// Usage: node electron/check-electron.mjs [ELECTRON_PACKAGE_DIR]
// Exit 0 when the program is there, 1 (and three lines on stderr) when not.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Where Electron's own index.js would look for its program, or why it cannot. */
export function electronBinaryProblem(packageDir, env = process.env) {
  if (!packageDir || !fs.existsSync(path.join(packageDir, 'package.json'))) return 'the electron package is not installed (run npm ci)';
  const pathFile = path.join(packageDir, 'path.txt');
  const name = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : '';
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const exe = path.join(env.ELECTRON_OVERRIDE_DIST_PATH, name || 'electron');
    return fs.existsSync(exe) ? null : `ELECTRON_OVERRIDE_DIST_PATH names ${exe}, which does not exist`;
  }
  if (!name) return "Electron's program was never downloaded (npm ci skips it with ELECTRON_SKIP_BINARY_DOWNLOAD=1 or without network)";
  const exe = path.join(packageDir, 'dist', name);
  return fs.existsSync(exe) ? null : `Electron's program is missing from ${path.join(packageDir, 'dist')}`;
}

function installedPackageDir() {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problem = electronBinaryProblem(process.argv[2] ?? installedPackageDir());
  if (problem) {
    process.stderr.write(
      [
        `Key Holder's window cannot start here: ${problem}.`,
        'To use the app in a browser instead: npm run dev:web',
        'To run the whole ceremony without a window: npx keyholder rehearse --out DIR',
      ].join('\n') + '\n',
    );
    process.exitCode = 1;
  }
}
