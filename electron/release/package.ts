/**
 * `npm run package -- --linux | --win | --mac [--dir] [--require-signing]`:
 * builds the app into dist/, works out from the environment what can be
 * signed and notarised (signing.ts), prints a clear warning for whatever will
 * not be, and runs electron-builder with electron-builder.yml. Installers land
 * in release/. It never publishes: the release workflow does, with SHA256SUMS
 * and an SBOM (docs/release.md).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { signingPlan, type Os } from './signing';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const USAGE = `Usage: npm run package -- (--linux | --win | --mac) [--dir] [--require-signing]

Builds Key Holder's installers for one operating system into release/:
  --linux            AppImage and deb (on Linux)
  --win              NSIS per-user setup (x64, arm64) and MSI for IT (x64) (on Windows)
  --mac              dmg (x64, arm64), hardened runtime, notarised when Apple credentials are set (on macOS)
  --dir              only the unpacked app folder (quick check of the layout), no installer
  --require-signing  stop (exit 1) instead of warning when signing or notarisation credentials are missing

Signing credentials come from the environment (WIN_CSC_LINK, CSC_LINK, APPLE_API_KEY, ...: docs/release.md).
Example: CSC_LINK=dev-id.p12 CSC_KEY_PASSWORD=... npm run package -- --mac --require-signing
Exit status: 0 built, 1 failed or refused, 2 wrong arguments.`;

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const known = new Set(['--linux', '--win', '--mac', '--dir', '--require-signing']);
  const unknown = args.filter((a) => !known.has(a));
  const oses = (['linux', 'win', 'mac'] as const).filter((o) => args.includes(`--${o}`));
  if (unknown.length || oses.length !== 1) {
    console.error(unknown.length ? `package: unknown option ${unknown[0]}; see --help.` : 'package: name exactly one of --linux, --win, --mac; see --help.');
    return 2;
  }
  const os: Os = oses[0]!;
  const plan = signingPlan(os, process.env);
  for (const w of plan.warnings) console.warn(`WARNING: ${w}`);
  if (plan.warnings.length && args.includes('--require-signing')) {
    console.error('package: --require-signing given and credentials are missing: nothing built.');
    return 1;
  }

  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });

  const config = deepMerge(parse(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>, plan.config);
  Object.assign(process.env, plan.env);
  // Loaded here, not at the top: `--help` and argument errors must not need electron-builder.
  const { build, Platform } = await import('electron-builder');
  const platform = { linux: Platform.LINUX, win: Platform.WINDOWS, mac: Platform.MAC }[os];
  const files = await build({
    projectDir: ROOT,
    targets: args.includes('--dir') ? platform.createTarget('dir') : platform.createTarget(),
    config,
    publish: 'never',
  });
  for (const f of files) console.log(`built ${path.relative(ROOT, f)}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`package: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
