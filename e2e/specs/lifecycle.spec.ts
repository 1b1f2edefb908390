/**
 * Key store lifecycle in Chromium against the rehearsal cloud and the
 * reference control plane (served over HTTPS with the rehearsal's
 * certificate): holder 1 revokes key store 1, sees the vendor report
 * "Key Store 1 Revoked", unrevokes, sees "Available"; then rotates to a new
 * primary key through to the offer to disable the old key, with the clock
 * moved past No longer in use + 90 days.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { test as base, expect } from '../support/fixtures';
import { startLifecycleHarness, ENV, KEY_NAME, type LifecycleHarness } from '../../electron/integration/lifecycle/harness';
import { importThroughActivation } from '../../electron/integration/import/harness';
import { createControlPlaneRouter } from '../../electron/rehearsal/control-plane/index';
import { ensureCertificates } from '../../electron/rehearsal/certs';
import { rehearsalAzureEndpoints } from '../../electron/services/identity/index';
import { TEST_KDF } from '../../shared/escrow/kdf-profiles';
import { PASS } from '../../electron/services/escrow/testing/helpers';
import { answerFileChooser, chooseHolderCopy, handover, join, participantPassphrase } from '../support/import';
import { enrolInPlan } from '../support/participants';

interface Extra {
  h: LifecycleHarness & { cpUrl: string };
}

const DAY = 86_400_000;
/** The four people of holder 1's import; the key rotation's import is theirs too. */
const people = { operator: 'Olive Operator', supervisor: 'Sia Supervisor', keeper: 'Kai Keeper', knower: 'Nia Knower' };

const test = base.extend<Extra>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
  h: async ({}, use) => {
    const h = await startLifecycleHarness();
    const certs = await ensureCertificates(path.dirname(h.cloud.descriptor.caCertPath));
    const route = createControlPlaneRouter(h.cp);
    const server = https.createServer({ cert: certs.serverCertPem, key: certs.serverKeyPem }, (req, res) => {
      void route(req, res).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const cpUrl = `https://localhost:${(server.address() as AddressInfo).port}`;
    await use(Object.assign(h, { cpUrl }));
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await h.close();
  },
  bridgeDeps: async ({ h, browser }, use) => {
    const holder1 = h.holders[0].tenantId;
    await use({
      clock: h.clock,
      deps: {
        escrowKdf: TEST_KDF,
        azure: { ...rehearsalAzureEndpoints(h.cloud.descriptor, h.agent, holder1), retryOptions: { maxRetries: 0, retryDelayInMs: 20 } },
        controlPlaneAgent: h.agent,
        // The holder's "system browser": a Chromium tab on the rehearsal sign-in page, where Alice picks herself.
        openBrowser: async (url: string) => {
          const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
          const p = await ctx.newPage();
          await p.goto(url);
          await p.getByRole('button', { name: /Sign in as Alice/ }).click();
          // The page posts the code to the app's loopback listener; its answer is the end of the hand-off.
          await expect(p.getByRole('heading', { name: 'Signed in' })).toBeVisible();
          await ctx.close();
        },
      },
    });
  },
});

/** Holder 1's workstation as it stands after the ceremony: signed in, key imported, worksheet filled, connected to the vendor. */
async function workstation(h: LifecycleHarness & { cpUrl: string }, bridge: Parameters<Parameters<typeof test>[2]>[0]['bridge']): Promise<void> {
  const s = bridge.current.services;
  await s.identity!.signIn({ tenantId: h.holders[0].tenantId, method: 'browser' });
  const app1 = h.cloud.descriptor.apps.find((a) => a.tenantId === h.holders[0].tenantId)!;
  const app2 = h.cloud.descriptor.apps.find((a) => a.tenantId === h.holders[1].tenantId)!;
  const line = (n: 0 | 1, app: typeof app1) => ({
    vaultHost: new URL(h.holders[n].vaultUrl).host,
    keyIdentifier: '',
    clientId: app.appId,
    tenantId: h.holders[n].tenantId,
    keyName: KEY_NAME,
    secretCreatedOn: '2026-11-01',
    secretExpiresOn: '2028-10-01',
  });
  const saved = await bridge.call('worksheet:save', { holder1: { ...line(0, app1), secret: { action: 'set', value: app1.clientSecret! } }, holder2: { ...line(1, app2), secret: { action: 'keep' } } });
  expect(saved.ok).toBe(true);
  // The ceremony's import on this workstation, as the app runs it: the four people enrolled in its plan, a supervised
  // activation on its desk. The key already in the vault is found by its fingerprint and reused (no second version).
  const draft = { holder: 1 as const, holderCopyPath: h.holders[0].copyFile, vaultUrl: h.holders[0].vaultUrl, keyName: KEY_NAME, protection: 'software' as const, allowEncryptDecrypt: false };
  const out = await importThroughActivation({ desk: s.activationDesk, vault: s.vault }, draft, h.holders[0].copyPass, { cast: people, signing: participantPassphrase });
  expect(out.reused).toBe(true);
  const { token } = await h.cp.createEnrolment({ environmentId: ENV, holder: 1 });
  await s.controlPlane.connect({ baseUrl: h.cpUrl, expectedFingerprint: h.cp.sealingFingerprint, enrolmentToken: token });
}

test('revoke key store 1, the vendor reports Key Store 1 Revoked, unrevoke, Available', async ({ page, bridge, h }) => {
  await workstation(h, bridge);
  await page.getByRole('button', { name: 'Key store lifecycle' }).click();
  await expect(page.getByTestId('lc-keystore')).toHaveAttribute('data-state', 'Available');
  await expect(page.getByTestId('lc-vendor')).toHaveAttribute('data-status', 'Available');
  await bridge.screenshot('1-available');

  await page.getByRole('button', { name: 'Revoke key store 1…', exact: true }).click();
  const words = await page.getByTestId('lc-confirm-text').textContent();
  expect(words).toBe('revoke key store 1, documents depend on key store 2 alone');
  await page.getByLabel('Confirmation', { exact: true }).fill('revoke key store 1');
  await page.getByRole('button', { name: 'Revoke', exact: true }).click();
  await expect(page.getByTestId('lc-error')).toContainText('Type exactly');
  await page.getByLabel('Confirmation', { exact: true }).fill(words!);
  await bridge.screenshot('2-revoke-confirmation');
  await page.getByRole('button', { name: 'Revoke', exact: true }).click();
  await expect(page.getByTestId('lc-keystore')).toHaveAttribute('data-state', 'Revoked');
  await expect(page.getByTestId('lc-vendor')).toHaveAttribute('data-status', 'Key Store 1 Revoked');
  await expect(page.getByTestId('lc-keystore')).toContainText('Documents still work: key store 2 alone');
  await expect(page.getByTestId('lc-lag')).toContainText('caught up');
  await bridge.screenshot('3-key-store-1-revoked');

  await page.getByRole('button', { name: 'Unrevoke key store 1…', exact: true }).click();
  await page.getByLabel('Confirmation', { exact: true }).fill((await page.getByTestId('lc-confirm-text').textContent())!);
  await page.getByRole('button', { name: 'Unrevoke', exact: true }).click();
  await expect(page.getByTestId('lc-keystore')).toHaveAttribute('data-state', 'Available');
  await expect(page.getByTestId('lc-vendor')).toHaveAttribute('data-status', 'Available');
  await bridge.screenshot('4-available-again');

  // Vault-side backup: a second copy beside the escrow, written owner-only (the bridge has no dialog: <dataDir>/exports).
  await expect(page.getByTestId('lc-vault-backup')).toContainText('It never replaces the escrow.');
  await page.getByRole('button', { name: 'Save a vault backup…' }).click();
  await expect(page.getByTestId('lc-backup-result')).toContainText(`Saved the vault’s backup of ${KEY_NAME}`);
  await expect(page.getByTestId('lc-vault-backup')).toContainText('same subscription and geography');
  const saved = (await page.getByTestId('lc-backup-result').locator('code').first().textContent())!;
  expect(saved).toMatch(/\.keybackup$/);
  expect(fs.statSync(saved).mode & 0o777).toBe(0o600);
  await page.getByTestId('lc-vault-backup').scrollIntoViewIfNeeded();
  await bridge.screenshot('4b-vault-backup-saved');
});

test('rotation to a new primary key, through to the offer to disable the old key', async ({ page, bridge, h }) => {
  await workstation(h, bridge);
  const lib = await h.cp.createLibrary(ENV, { name: 'Matters', documentVersions: 7_000_000 });
  await h.cp.applyKey(ENV, lib.libraryId, h.cp.environmentStatus(ENV).primaryKey!.primaryKeyId);
  h.clock.advance(2 * DAY);
  // The import's four people are in the plan since the ceremony; the re-seal's people besides: the escrow's two
  // custodians and the knower of key holder 2's copy.
  await enrolInPlan(page, [{ name: 'Alice Archer', roles: ['keeper'] }, { name: 'Bob Baker', roles: ['keeper'] }, { name: 'Nell Knower', roles: ['knower'] }]);

  await page.getByRole('button', { name: 'Key store lifecycle' }).click();
  await page.getByRole('button', { name: 'Start a rotation' }).click();
  await expect(page.getByTestId('key-rotation')).toHaveAttribute('data-step', 'add-key');
  // The re-seal is a supervised activation (issue 16): the panel names the files and asks for no passphrase.
  // No typed path: the escrow and each key-holder copy come from the file chooser, checked from their header at once.
  const reseal = page.getByRole('form', { name: 'Add the new key' });
  await expect(reseal.getByRole('textbox')).toHaveCount(0);
  const escrowField = reseal.getByRole('group', { name: 'Custodians’ escrow file' });
  await answerFileChooser(page, h.holders[0].copyFile);
  await escrowField.getByRole('button', { name: 'Choose the file…' }).click();
  await expect(page.getByTestId('rot-error')).toContainText('is the key-holder copy made for');
  await expect(escrowField.getByTestId('holder-copy-path')).toHaveText('');
  await expect(reseal.getByRole('button', { name: 'Start the supervised re-seal' })).toBeDisabled();
  await chooseHolderCopy(page, h.escrowFile, escrowField);
  await expect(page.getByTestId('rot-error')).toHaveCount(0);
  await chooseHolderCopy(page, h.holders[0].copyFile, reseal.getByRole('group', { name: 'Key-holder copy 1' }));
  await chooseHolderCopy(page, h.holders[1].copyFile, reseal.getByRole('group', { name: 'Key-holder copy 2' }));
  await expect(page.getByTestId('key-rotation').locator('input[type=password]')).toHaveCount(0);
  await reseal.scrollIntoViewIfNeeded();
  await bridge.screenshot('5-rotation-add-key');
  await page.getByRole('button', { name: 'Start the supervised re-seal' }).click();
  await handover(page, 'the operator');
  await join(page, people.operator);
  await handover(page, 'the supervisor');
  await join(page, people.supervisor);
  for (const [i, custodian] of ['Alice Archer', 'Bob Baker'].entries()) {
    await handover(page, 'the next custodian');
    await page.getByLabel('Which custodian are you?').selectOption({ label: custodian });
    await join(page, custodian);
    await page.getByLabel('Your escrow passphrase').fill(PASS[i]!);
    if (i === 0) await bridge.screenshot('5a-rotation-reseal-custodian');
    await page.getByRole('button', { name: 'Enter my passphrase' }).click();
  }
  for (const [i, knower] of [people.knower, 'Nell Knower'].entries()) {
    await handover(page, 'the knower of a key-holder copy');
    await page.getByLabel('Which key-holder copy do you know the passphrase of?').selectOption({ label: `Key holder ${i + 1}` });
    await join(page, knower);
    await page.getByLabel('Passphrase of the key-holder copy').fill(h.holders[i]!.copyPass);
    await page.getByRole('button', { name: 'Enter the passphrase' }).click();
  }
  await handover(page, 'the supervisor');
  await expect(page.getByTestId('rewrap-count')).toContainText('2 of 2 custodians and 2 of 2 key-holder copies');
  await page.getByLabel('Your participant passphrase').fill(participantPassphrase(people.supervisor));
  await bridge.screenshot('5a-rotation-reseal-supervisor-attests');
  await page.getByRole('button', { name: 'Sign the attestation' }).click();
  await handover(page, 'the operator');
  await expect(page.getByRole('button', { name: /^Carry out:/ })).toContainText('re-seal');
  await page.getByRole('button', { name: /^Carry out:/ }).click();
  await expect(page.getByTestId('activation-wiped')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('key-rotation')).toHaveAttribute('data-step', 'import', { timeout: 30_000 });
  await bridge.screenshot('5a-rotation-resealed');
  await page.getByTestId('rotation-activation').getByRole('button', { name: 'Close' }).click();

  // The new key is opened only in a supervised activation (security review #10): the panel never asks for the copy's passphrase.
  await expect(page.getByRole('textbox', { name: /key-holder copy/i })).toHaveCount(0);
  await chooseHolderCopy(page, h.holders[0].copyFile, page.getByRole('form', { name: 'Import the new key' }));
  await page.getByRole('form', { name: 'Import the new key' }).scrollIntoViewIfNeeded();
  await bridge.screenshot('5b-rotation-import-copy-chosen');
  await expect(page.getByLabel('Passphrase of your copy')).toHaveCount(0);
  await page.getByRole('button', { name: 'Start the supervised import' }).click();
  await handover(page, 'the operator');
  await join(page, people.operator);
  await handover(page, 'the supervisor');
  await join(page, people.supervisor);
  await handover(page, 'the keeper');
  await join(page, people.keeper);
  await page.getByRole('button', { name: 'Present the sealed copy' }).click();
  await handover(page, 'the knower');
  await join(page, people.knower);
  await page.getByLabel('Passphrase of the sealed copy').fill(h.holders[0].copyPass);
  await page.getByRole('button', { name: 'Open' }).click();
  await handover(page, 'the supervisor');
  await page.getByLabel('Your participant passphrase').fill(participantPassphrase(people.supervisor));
  await bridge.screenshot('5b-rotation-import-supervisor-attests');
  await page.getByRole('button', { name: 'Sign the attestation' }).click();
  await handover(page, 'the operator');
  await expect(page.getByRole('button', { name: /^Carry out:/ })).toContainText('rotation');
  await page.getByRole('button', { name: /^Carry out:/ }).click();
  await expect(page.getByTestId('activation-wiped')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('key-rotation')).toHaveAttribute('data-step', 'submit', { timeout: 30_000 });
  await bridge.screenshot('5c-rotation-imported');
  await expect(page.locator('body')).not.toContainText(h.holders[0].copyPass);
  await page.getByRole('button', { name: 'Submit the new key store' }).click();
  await expect(page.getByTestId('key-rotation')).toHaveAttribute('data-step', 'wait-available');
  await bridge.screenshot('6-rotation-waiting-for-holder-2');

  // Key holder 2, on their own workstation, imports the new key and submits.
  const h2 = await h.holders[1].importCopy();
  await h.submit(2, h2.keyVersionId);
  await page.getByRole('button', { name: 'Check now' }).first().click();
  await expect(page.getByTestId('key-rotation')).toHaveAttribute('data-step', 'wait-no-longer-in-use');

  // The Control Center administrator applies the new key; re-keying takes a day at the guide's rate.
  const newPk = h.cp.environmentStatus(ENV).primaryKey!;
  await h.cp.applyKey(ENV, lib.libraryId, newPk.primaryKeyId);
  h.clock.advance(DAY / 2);
  await page.getByRole('button', { name: 'Check now' }).first().click();
  await expect(page.getByTestId('rot-old-library')).toHaveText('Matters: Inactive: Rotating from');
  await expect(page.getByTestId('lc-library').filter({ hasText: 'Active: Rotating to (50.00%)' })).toHaveCount(1);
  await bridge.screenshot('7-rotation-rekeying');

  h.clock.advance(DAY / 2 + 60_000);
  await page.getByRole('button', { name: 'Check now' }).first().click();
  await expect(page.getByTestId('key-rotation')).toHaveAttribute('data-step', 'wait-90-days');
  await expect(page.getByTestId('rot-old-library')).toHaveText('Matters: No longer in use');
  await expect(page.getByTestId('rot-countdown')).toContainText('90 days left before the old key may be disabled');
  await expect(page.getByTestId('rot-disable-offer')).toHaveCount(0);
  await bridge.screenshot('8-rotation-90-day-countdown');

  h.clock.advance(90 * DAY);
  await page.getByRole('button', { name: 'Check now' }).first().click();
  await expect(page.getByTestId('key-rotation')).toHaveAttribute('data-step', 'disable-offered');
  await expect(page.getByTestId('rot-disable-offer')).toBeVisible();
  await bridge.screenshot('9-rotation-disable-offered');
  const words = await page.locator('form[aria-label="Disable the old key"] code').textContent();
  await page.getByLabel('Confirmation to disable').fill(words!);
  await page.getByRole('button', { name: 'Disable the old key' }).click();
  await expect(page.getByTestId('rot-done')).toContainText('it is kept in the vault');
  await bridge.screenshot('10-rotation-done');
});
