/**
 * A key holder signs in on the rehearsal sign-in page (opened as the system
 * browser would open it), imports their key-holder copy into their own
 * rehearsal vault, and sees line 2 filled and the fingerprint match.
 */
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import type { BrowserContext, Page } from '@playwright/test';
import { test as base, expect, SCREENSHOT_DIR } from '../support/fixtures';
import { startRehearsalCloud, type RehearsalCloud } from '../../electron/rehearsal/index';
import { agentFor } from '../../electron/rehearsal/testing/sdk';
import { rehearsalAzureEndpoints } from '../../electron/services/identity/index';
import { TEST_KDF } from '../../shared/escrow/kdf-profiles';
import { PASS } from '../../electron/services/escrow/testing/helpers';
import type { Services } from '../../electron/services/index';

interface Extra {
  cloud: RehearsalCloud;
  signInTab: { context: BrowserContext | null; pages: Page[] };
}

const test = base.extend<Extra>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
  cloud: async ({}, use) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-e2e-cloud-'));
    const cloud = await startRehearsalCloud({ dataDir: dir });
    await use(cloud);
    await cloud.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  },
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
  signInTab: async ({}, use) => {
    const tab = { context: null as BrowserContext | null, pages: [] as Page[] };
    await use(tab);
    await tab.context?.close();
  },
  bridgeDeps: async ({ cloud, browser, signInTab }, use) => {
    const agent = agentFor(cloud);
    const holder1 = cloud.descriptor.tenants[0]!.id;
    await use({
      deps: {
        escrowKdf: TEST_KDF,
        azure: { ...rehearsalAzureEndpoints(cloud.descriptor, agent, holder1), retryOptions: { maxRetries: 1, retryDelayInMs: 50 } },
        // The "system browser": a separate Chromium window. It is told to accept the rehearsal's own CA-signed
        // certificate; the app's Node side still verifies TLS against that CA.
        openBrowser: async (url: string) => {
          signInTab.context ??= await browser.newContext({ ignoreHTTPSErrors: true });
          const p = await signInTab.context.newPage();
          signInTab.pages.push(p);
          await p.goto(url);
        },
      },
    });
    agent.destroy();
  },
});

async function holderCopy(services: Services): Promise<string> {
  const e = services.escrow;
  let st = await e.startCeremony({ modulusBits: 2048 });
  st = await e.setCustodians(st.sessionId, ['Alice Archer', 'Bob Baker'], 1);
  await e.enterPassphrase(st.sessionId, 1, PASS[0]!);
  await e.enterPassphrase(st.sessionId, 2, PASS[1]!);
  st = await e.writeFiles(st.sessionId);
  await e.testRestore(st.sessionId, 1, PASS[0]!);
  await e.testRestore(st.sessionId, 2, PASS[1]!);
  st = await e.createHolderCopy(st.sessionId, 'Key holder 1', PASS[2]!);
  e.closeCeremony(st.sessionId);
  return st.holderCopies[0]!.file;
}

test('a holder signs in on the rehearsal page, imports their copy, and sees line 2 and the fingerprint match', async ({ page, bridge, cloud, signInTab }) => {
  const copyFile = await holderCopy(bridge.current.services);
  const vault = cloud.descriptor.vaults[0]!;

  await page.getByRole('button', { name: 'Import into your vault' }).click();
  await expect(page.getByRole('heading', { name: 'Import your key into your vault' })).toBeVisible();
  await bridge.screenshot('1-before-sign-in');

  await page.getByRole('button', { name: 'Sign in with the browser' }).click();
  await expect.poll(() => signInTab.pages.length).toBe(1);
  const tab = signInTab.pages[0]!;
  await expect(tab.getByRole('heading', { name: 'Pick an account' })).toBeVisible();
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await tab.screenshot({ path: path.join(SCREENSHOT_DIR, 'import-2-rehearsal-sign-in-page.png') });
  await tab.getByRole('button', { name: /Sign in as Alice/ }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText('alice@holder1.rehearsal.example');

  await expect(page.getByLabel('Key-holder copy (file)')).toHaveValue(copyFile);
  await page.getByLabel('Passphrase of your copy').fill(PASS[2]!);
  await page.getByLabel('Vault URL (worksheet line 1)').fill(vault.url);
  await page.getByLabel('Key name').fill('contoso-cmek-1');
  await page.getByLabel(/HSM-protected/).check();
  await bridge.screenshot('3-form-filled');
  await page.getByRole('button', { name: 'Import and verify' }).click();

  const line2 = page.getByTestId('line2');
  await expect(line2).toHaveText(new RegExp(`^${vault.url.replace(/[.]/g, '\\.')}/keys/contoso-cmek-1/[0-9a-f]{32}$`), { timeout: 30_000 });
  await expect(page.getByTestId('fingerprint-match')).toHaveText(/Fingerprint match/);
  await expect(page.getByTestId('self-test')).toContainText('unwrap in the vault passed');
  await expect(page.getByTestId('self-test')).toContainText('HSM-protected');
  await bridge.screenshot('4-imported');

  const ws = await bridge.call('worksheet:get', {});
  expect(ws.ok && ws.value.holder1.keyIdentifier).toBe(await line2.textContent());
  // The passphrase never came back to the page, and the field was cleared after success.
  await expect(page.getByLabel('Passphrase of your copy')).toHaveValue('');

  // Reopening the app shows the same result from the record (no second import).
  await bridge.restart();
  await page.getByRole('button', { name: 'Import into your vault' }).click();
  await expect(page.getByTestId('line2')).toHaveText((await bridge.call('worksheet:get', {})).ok ? ws.ok ? ws.value.holder1.keyIdentifier : '' : '');
});
