/**
 * `npm run lint:electron`: runs Electronegativity on the app's TypeScript
 * sources and fails on any finding the committed allow-list does not justify.
 * It scans a copy of the shipped sources (electron/ without tests, benches and
 * integration harnesses, renderer/, shared/, package.json) because the tool
 * cannot parse the bundle (class private properties) and would otherwise
 * walk node_modules. `-e` gives the Electron version from the installed
 * package, since the tool's own detection needs the network.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gate, readAllowList, scan, type Finding } from './electronegativity';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ALLOW = path.join(root, 'docs/electronegativity-allow.json');
const SKIP_DIRS = new Set(['bench', 'integration', 'lint', 'testing']);

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(
    'Usage: npm run lint:electron\n\nRuns Electronegativity on the app sources and compares its findings with docs/electronegativity-allow.json\n(justified in docs/electronegativity.md). Exits 1 on a finding the list does not cover, or an entry nothing matches.\n',
  );
  process.exit(0);
}

function stage(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-electronegativity-'));
  const keep = (src: string) => {
    const base = path.basename(src);
    if (/\.(test|spec|bench)\.tsx?$/.test(base)) return false;
    return !(fs.statSync(src).isDirectory() && SKIP_DIRS.has(base));
  };
  for (const top of ['electron', 'renderer', 'shared']) fs.cpSync(path.join(root, top), path.join(dir, 'src', top), { recursive: true, filter: keep });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'src', 'package.json'));
  return dir;
}

function electronVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
}

function show(f: Finding): string {
  return `  ${f.check} (${f.level}) ${f.file}${f.line ? `:${f.line}` : ''}: ${f.message}`;
}

const dir = stage();
try {
  let findings: Finding[];
  try {
    findings = scan(root, path.join(dir, 'src'), electronVersion());
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  const result = gate(findings, readAllowList(ALLOW));
  process.stdout.write(`Electronegativity: ${result.allowed.length} finding(s) justified in docs/electronegativity.md.\n`);
  if (result.unexpected.length) {
    process.stderr.write(`New Electronegativity finding(s): fix them, or justify them in docs/electronegativity.md and docs/electronegativity-allow.json.\n${result.unexpected.map(show).join('\n')}\n`);
  }
  if (result.stale.length) {
    process.stderr.write(`Allow-list entries that match nothing any more (remove them and their justification):\n${result.stale.map((a) => `  ${a.check} ${a.file}`).join('\n')}\n`);
  }
  process.exitCode = result.unexpected.length || result.stale.length ? 1 : 0;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
