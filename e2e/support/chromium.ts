/**
 * Finds the Chromium the browser specs run in. Electron's own binary cannot be
 * downloaded on CI, so the specs use a system Chromium: $KEYHOLDER_CHROMIUM,
 * else Debian's /usr/bin/chromium, else one Playwright manages (from
 * `npx playwright install chromium`). Nothing is downloaded here.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export class ChromiumNotFoundError extends Error {
  constructor(tried: string[]) {
    super(
      [
        'No Chromium found for the browser tests. Tried:',
        ...tried.map((t) => `  - ${t}`),
        'Install one of:',
        '  - Debian/Ubuntu: sudo apt-get install chromium   (gives /usr/bin/chromium)',
        '  - any Chromium/Chrome binary, then: export KEYHOLDER_CHROMIUM=/path/to/chromium',
        '  - a Playwright-managed one: npx playwright install chromium',
      ].join('\n'),
    );
    this.name = 'ChromiumNotFoundError';
  }
}

export function findChromium(env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): string {
  const tried: string[] = [];
  const fromEnv = env.KEYHOLDER_CHROMIUM;
  if (fromEnv) {
    if (exists(fromEnv)) return fromEnv;
    // An explicit choice that is wrong should not silently fall back to another browser.
    throw new ChromiumNotFoundError([`$KEYHOLDER_CHROMIUM=${fromEnv} (file does not exist)`]);
  }
  tried.push('$KEYHOLDER_CHROMIUM (not set)');
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (exists(p)) return p;
    tried.push(p);
  }
  let managed = '';
  try {
    managed = chromium.executablePath();
  } catch {
    managed = '';
  }
  if (managed && exists(managed)) return managed;
  tried.push(`Playwright-managed Chromium${managed ? ` (${managed})` : ''}`);
  throw new ChromiumNotFoundError(tried);
}

function chromiumLaunchOptions(extra: LaunchOptions = {}): LaunchOptions {
  return { ...extra, executablePath: findChromium(), args: [...CHROMIUM_ARGS, ...(extra.args ?? [])] };
}

export async function launchChromium(extra: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions(extra));
}
