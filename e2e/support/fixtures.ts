/**
 * The Playwright fixture every browser spec uses:
 *
 *   import { test, expect } from '../support/fixtures';
 *   test('...', async ({ page, bridge }) => { ...; await bridge.screenshot('filled'); });
 *
 * - `bridge`: a test bridge on a fresh temporary data folder, with the page
 *   already opened on it. `bridge.restart()` stops it and starts it again on the
 *   same folder (as closing and reopening the app would) and reloads the page.
 *   `bridge.call(channel, request)` reaches the same dispatch from the test.
 * - `bridge.screenshot(name)`: full-page PNG at
 *   test-results/screenshots/<spec>-<name>.png (a fixture of its own cannot be
 *   called `screenshot`: Playwright reserves that name for an option).
 * - Any uncaught page error or CSP violation fails the test.
 * - `bridgeDeps` (override with test.extend or test.use) plugs extra service
 *   dependencies into the bridge, e.g. a rehearsal cloud started per test.
 */
import { test as base, expect, type Browser, type Page } from '@playwright/test';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBridge, REPO_ROOT, type Bridge, type BridgeOptions } from '../bridge/server';
import { launchChromium } from './chromium';

export type BridgeSetup = Omit<BridgeOptions, 'dataDir' | 'port'>;

export interface BridgeHandle {
  readonly url: string;
  readonly dataDir: string;
  readonly current: Bridge;
  call: Bridge['call'];
  /** Stop and start the bridge on the same data folder, then reload the page on it. */
  restart(): Promise<void>;
  /** Saves test-results/screenshots/<spec>-<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
}

interface Fixtures {
  bridgeDeps: BridgeSetup;
  bridge: BridgeHandle;
  pageErrors: string[];
}

interface WorkerFixtures {
  browser: Browser;
}

export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results/screenshots');

export const test = base.extend<Fixtures, WorkerFixtures>({
  browser: [
    // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
    async ({}, use) => {
      const browser = await launchChromium();
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],

  bridgeDeps: [{}, { option: true }],

  pageErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to (load|execute|connect|apply)/i.test(m.text())) {
        errors.push(`CSP: ${m.text()}`);
      }
    });
    await use(errors);
    expect(errors, 'the page raised errors').toEqual([]);
  },

  bridge: async ({ page, bridgeDeps, pageErrors }, use, testInfo) => {
    void pageErrors;
    const spec = path.basename(testInfo.file).replace(/\.spec\.ts$/, '');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'keyholder-e2e-'));
    let current = await startBridge({ ...bridgeDeps, dataDir });
    const handle: BridgeHandle = {
      get url() {
        return current.url;
      },
      dataDir,
      get current() {
        return current;
      },
      call: (name, request) => current.call(name, request),
      async restart() {
        const port = current.port;
        await current.close();
        current = await startBridge({ ...bridgeDeps, dataDir, port });
        await page.goto(current.url);
      },
      async screenshot(name: string) {
        mkdirSync(SCREENSHOT_DIR, { recursive: true });
        const file = path.join(SCREENSHOT_DIR, `${spec}-${name.replace(/[^a-z0-9_-]+/gi, '-')}.png`);
        await page.screenshot({ path: file, fullPage: true });
        return file;
      },
    };
    await page.goto(current.url);
    await use(handle);
    await current.close();
    if (testInfo.status === testInfo.expectedStatus && !process.env.KEYHOLDER_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    else testInfo.annotations.push({ type: 'data folder', description: dataDir });
  },
});

export { expect };
export type { Page };
