/**
 * The real Electron app, launched with Playwright's _electron where an
 * Electron binary is installed. On machines installed with
 * ELECTRON_SKIP_BINARY_DOWNLOAD=1 (CI here) it skips and says why; the same
 * services and handlers are covered there through the test bridge.
 */
import { test, expect, _electron as electron } from '@playwright/test';
import { createRequire } from 'node:module';
import { copyFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../bridge/server';
import { channelNames } from '../../shared/ipc/contract';

function electronBinary(): string | null {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();

test.describe('Electron app', () => {
  test.skip(!binary, 'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD): run `npm ci` without it to run this spec');
  test.skip(!existsSync(path.join(REPO_ROOT, 'dist/main/main.cjs')), 'dist/main/main.cjs missing: run `npm run build` first');

  test('starts hardened and exposes exactly the contract', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'keyholder-electron-'));
    const app = await electron.launch({
      executablePath: binary!,
      args: [REPO_ROOT, ...(process.platform === 'linux' ? ['--no-sandbox'] : [])],
      env: { ...process.env, KEYHOLDER_DATA_DIR: dataDir },
    });
    try {
      const page = await app.firstWindow();
      await expect(page.getByTestId('rehearsal-banner')).toBeVisible();
      expect(page.url()).toMatch(/^app:\/\/keyholder\//);
      const probe = await page.evaluate(() => {
        const k = window.keyholder as unknown as Record<string, unknown>;
        const names: string[] = [];
        for (const [d, g] of Object.entries(k)) {
          if (typeof g === 'function') names.push(d);
          else for (const v of Object.keys(g as object)) names.push(`${d}:${v}`);
        }
        const w = window as unknown as Record<string, unknown>;
        return { names: names.sort(), require: typeof w.require, process: typeof w.process, opened: window.open('https://example.com') === null };
      });
      expect(probe.names).toEqual([...channelNames, 'on'].sort());
      expect(probe.require).toBe('undefined');
      expect(probe.process).toBe('undefined');
      expect(probe.opened).toBe(true);
      const info = await page.evaluate(() => window.keyholder.app.info({}));
      expect(info).toMatchObject({ ok: true, value: { name: 'Key Holder' } });
      await page.evaluate(() => {
        window.location.href = 'https://example.com/';
      });
      await page.waitForTimeout(500);
      expect(page.url()).toMatch(/^app:\/\/keyholder\//);
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  test('opens a .khescrow named on the command line in the escrow inspector', async () => {
    // What Windows and Linux do on a double-click: the file is an argument (electron/main/open-file.ts).
    const dataDir = mkdtempSync(path.join(tmpdir(), 'keyholder-electron-'));
    const file = path.join(dataDir, 'Contoso escrow.khescrow');
    copyFileSync(path.join(REPO_ROOT, 'docs/formats/vectors/fixtures/escrow-2of3.khescrow'), file);
    const app = await electron.launch({
      executablePath: binary!,
      args: [REPO_ROOT, ...(process.platform === 'linux' ? ['--no-sandbox'] : []), file],
      env: { ...process.env, KEYHOLDER_DATA_DIR: dataDir },
    });
    try {
      const page = await app.firstWindow();
      await expect(page.getByRole('heading', { name: 'Escrow file', level: 1 })).toBeVisible();
      await expect(page.getByTestId('escrow-file-key')).toContainText('2 of 3 custodians must meet to restore it');
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
