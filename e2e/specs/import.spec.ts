/**
 * A key holder signs in on the rehearsal sign-in page (opened as the system
 * browser would open it), imports their key-holder copy into their own
 * rehearsal vault through a supervised activation (the keeper presents the
 * copy, a different person types its passphrase, the supervisor signs, each
 * behind a hand-over screen), and sees line 2 filled and the fingerprint
 * match. The Ceremony screen then shows the activation and the import as
 * recorded in the signed transcript.
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

async function handover(page: Page, who: string) {
  await expect(page.getByTestId('handover')).toContainText(`Hand the keyboard to ${who}`);
  await page.getByRole('button', { name: /^I am .*: continue$/ }).click();
}

async function join(page: Page, name: string) {
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Your participant passphrase').fill(`${name} signing passphrase`);
  await page.getByRole('button', { name: 'Join' }).click();
}

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

test('a holder signs in, imports their copy under keeper/knower/supervisor hand-over, sees line 2, and the Ceremony screen shows it recorded', async ({ page, bridge, cloud, signInTab }) => {
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
  // The form never asks for the copy's passphrase: only the knower types it, on their own turn.
  await expect(page.getByLabel('Passphrase of your copy')).toHaveCount(0);
  await page.getByLabel('Vault URL (worksheet line 1)').fill(vault.url);
  await page.getByLabel('Key name').fill('contoso-cmek-1');
  await page.getByLabel(/HSM-protected/).check();
  await bridge.screenshot('3-form-filled');
  await page.getByRole('button', { name: 'Start the supervised import' }).click();

  await handover(page, 'the operator');
  await join(page, 'Olive Operator');
  await handover(page, 'the supervisor');
  await join(page, 'Sam Supervisor');
  await handover(page, 'the keeper');
  await bridge.screenshot('4-handover-keeper');
  // The supervisor cannot also be the keeper.
  await join(page, 'Sam Supervisor');
  await expect(page.getByTestId('import-error')).toContainText('Each role needs a different person');
  await join(page, 'Kim Keeper');
  await expect(page.getByTestId('copy-fingerprint')).toBeVisible();
  await page.getByRole('button', { name: 'Present the sealed copy' }).click();
  await handover(page, 'the knower');
  await join(page, 'Noor Knower');
  await page.getByLabel('Passphrase of the sealed copy').fill(PASS[2]!);
  await bridge.screenshot('5-knower-types');
  await page.getByRole('button', { name: 'Open' }).click();
  await expect(page.getByTestId('check-value')).toHaveText(/^[0-9A-F]{3} [0-9A-F]{3}/);
  await handover(page, 'the supervisor');
  await page.getByLabel('Your participant passphrase').fill('Sam Supervisor signing passphrase');
  await bridge.screenshot('6-supervisor-attests');
  await page.getByRole('button', { name: 'Sign the attestation' }).click();
  await handover(page, 'the operator');
  await page.getByRole('button', { name: /^Carry out:/ }).click();

  const line2 = page.getByTestId('line2');
  await expect(line2).toHaveText(new RegExp(`^${vault.url.replace(/[.]/g, '\\.')}/keys/contoso-cmek-1/[0-9a-f]{32}$`), { timeout: 30_000 });
  await expect(page.getByTestId('fingerprint-match')).toHaveText(/Fingerprint match/);
  await expect(page.getByTestId('self-test')).toContainText('unwrap in the vault passed');
  await expect(page.getByTestId('self-test')).toContainText('HSM-protected');
  await expect(page.getByTestId('activation-wiped')).toBeVisible();
  await bridge.screenshot('7-imported');

  const ws = await bridge.call('worksheet:get', {});
  expect(ws.ok && ws.value.holder1.keyIdentifier).toBe(await line2.textContent());
  const keyVersionId = (await line2.textContent())!;
  // Nothing on the page holds the copy's passphrase or a participant's after the hand-over.
  const html = await page.content();
  expect(html).not.toContain(PASS[2]!);
  expect(html).not.toContain('signing passphrase');

  // The Ceremony screen: the activation's participants and the import, read from the signed transcript.
  await page.getByRole('button', { name: 'Ceremony', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Ceremony', exact: true })).toBeVisible();
  const entries = page.getByTestId('ceremony-entries');
  await expect(entries).toContainText('activation.completed');
  await expect(entries).toContainText(keyVersionId);
  const participants = page.getByTestId('ceremony-participants');
  for (const [name, role] of [['Olive Operator', 'operator'], ['Sam Supervisor', 'supervisor'], ['Kim Keeper', 'keeper'], ['Noor Knower', 'knower']]) {
    await expect(participants.getByRole('row', { name: new RegExp(`${name} ${role}`) })).toBeVisible();
  }
  await expect(page.getByTestId('step-worksheet-saved:1')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('step-key-generated')).toContainText('first: Azure Information Worksheet saved (holder 1)');
  await bridge.screenshot('8-ceremony-screen');
  const view = await bridge.call('ceremony:view', {});
  expect(view.ok && view.value.ceremony).toBeTruthy();
  const transcriptFile = view.ok ? view.value.transcriptFile! : '';
  const lines = fs.readFileSync(transcriptFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; data: Record<string, unknown> });
  // The copy was made outside the app here, so the table had not reached this holder's activation: kept as signed deviations.
  expect(lines.map((l) => (l.kind.startsWith('ceremony.step-') ? `${l.kind}:${String(l.data.step)}` : l.kind))).toEqual([
    'ceremony.opened',
    'ceremony.step-out-of-order:activation.attested',
    'activation.completed',
    'ceremony.step-out-of-order:vault.imported',
  ]);

  await page.getByLabel(/say why/).fill('rehearsal of the import only');
  await page.getByRole('button', { name: 'Close ceremony as abandoned' }).click();
  await expect(page.getByTestId('final-hash')).toHaveText(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
  await page.getByRole('button', { name: 'Export the ceremony report (PDF)' }).click();
  await expect(page.getByTestId('report-exported')).toContainText('.pdf');
  await bridge.screenshot('9-ceremony-closed');
  const pdfPath = (await page.getByTestId('report-exported').locator('.cer-mono').textContent())!;
  expect(fs.readFileSync(pdfPath).subarray(0, 5).toString()).toBe('%PDF-');

  // Reopening the app shows the same result from the record (no second import).
  await bridge.restart();
  await page.getByRole('button', { name: 'Import into your vault' }).click();
  await expect(page.getByTestId('line2')).toHaveText((await bridge.call('worksheet:get', {})).ok ? ws.ok ? ws.value.holder1.keyIdentifier : '' : '');
});
