/**
 * Vault registration as a key holder meets it in a rehearsal: the app plays
 * the vendor, so the vendor's message (control plane address, fingerprint,
 * enrolment token) is on the screen with Copy buttons, and the rehearsal
 * tenant's values are on the worksheet. A mistyped fingerprint is refused
 * without losing the token; correcting it clears the old error and Connect
 * works. The holder requests the registration and approves it as the vendor;
 * the import gate opens. A live workstation shows none of the vendor's part.
 */
import AxeBuilder from '@axe-core/playwright';
import { test, expect, type Page } from '../support/fixtures';
import { WCAG22 } from '../support/axe';

async function copied(page: Page, testId: string): Promise<string> {
  const row = page.getByTestId(testId);
  await row.getByRole('button', { name: 'Copy' }).click();
  await expect(row.getByRole('status')).toHaveText('Copied');
  return page.evaluate(() => navigator.clipboard.readText());
}

async function noSeriousA11yProblem(page: Page) {
  const axe = await new AxeBuilder({ page }).withTags(WCAG22).include('main').analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

test('rehearsal: the vendor’s values with copy buttons, a fingerprint mismatch fixed without retyping the token, the registration approved as the vendor', async ({ page, bridge }) => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(bridge.url).origin });
  const d = bridge.current.rehearsal!.cloud.descriptor;

  // The worksheet shows the rehearsal tenant's values to copy (the secret only masked).
  await page.getByRole('button', { name: 'Azure Information Worksheet' }).click();
  const tenant = page.getByTestId('rehearsal-tenant');
  await expect(tenant).toContainText('Key holder 1’s rehearsal tenant');
  const app = d.apps.find((a) => a.tenantId === d.tenants[0]!.id)!;
  await expect(page.getByTestId('rehearsal-client-id-value')).toHaveText(app.appId);
  await expect(page.getByTestId('rehearsal-client-secret-value')).not.toContainText(app.clientSecret!);
  expect(await copied(page, 'rehearsal-client-secret')).toBe(app.clientSecret);
  const vaultHost = await copied(page, 'rehearsal-vault');
  expect(vaultHost).toBe(new URL(d.vaults[0]!.url).host);
  await bridge.screenshot('1-worksheet-rehearsal-tenant');

  // Before connecting, Primary key status says why "Check now" is disabled and leads to what comes first.
  await page.getByRole('button', { name: 'Primary key status' }).click();
  const checkNow = page.getByRole('button', { name: 'Check now' });
  await expect(checkNow).toBeDisabled();
  await expect(checkNow).toHaveAccessibleDescription(/“Check now” waits for a connection.*First connect on the Vault registration screen/);
  await bridge.screenshot('1b-status-before-connecting');
  await page.getByTestId('cp-status-not-connected').getByRole('button', { name: 'Go to Vault registration' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Register your vault with the vendor');
  await expect(page.getByTestId('vendor-message')).toContainText('The vendor’s message (played by this rehearsal)');
  await expect(page.getByTestId('vendor-token-value')).not.toContainText('khe1.');
  await noSeriousA11yProblem(page);
  await bridge.screenshot('2-vendor-message');

  const url = await copied(page, 'vendor-url');
  expect(url).toBe(d.controlPlaneUrl);
  const fp = await copied(page, 'vendor-fingerprint');
  expect(fp).toBe(d.controlPlaneFingerprint);
  const token = await copied(page, 'vendor-token');
  expect(token).toMatch(/^khe1\./);

  // One character wrong in the fingerprint: refused, nothing sent, the token kept.
  const wrong = fp.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
  await page.getByLabel('Control plane address').fill(url);
  await page.getByLabel('Sealing key fingerprint (from the vendor’s message)').fill(wrong);
  await page.getByLabel('Enrolment token').fill(token);
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByTestId('cp-error')).toContainText('NOT the fingerprint you entered');
  await expect(page.getByLabel('Enrolment token')).toHaveValue(token);
  await expect(page.getByLabel('Sealing key fingerprint (from the vendor’s message)')).toHaveValue(wrong);
  await bridge.screenshot('3-fingerprint-mismatch');

  // Correcting the fingerprint clears the old error; Connect works again.
  await page.getByLabel('Sealing key fingerprint (from the vendor’s message)').fill(fp);
  await expect(page.getByTestId('cp-error')).toHaveCount(0);
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByTestId('cp-connected')).toContainText('as key holder 1 of environment rehearsal');

  await page.getByLabel('Your vault’s DNS name (worksheet line 1)').fill(vaultHost);
  await page.getByRole('button', { name: 'Request registration' }).click();
  await expect(page.getByTestId('cp-registration')).toHaveAttribute('data-status', 'pending');
  await expect(page.getByTestId('import-gate')).toContainText('Import is blocked');
  await noSeriousA11yProblem(page);
  await bridge.screenshot('4-registration-pending');

  await page.getByRole('button', { name: 'Approve as the vendor' }).click();
  await expect(page.getByTestId('cp-registration')).toHaveAttribute('data-status', 'registered');
  await expect(page.getByTestId('vendor-approve')).toHaveCount(0);
  await expect(page.getByTestId('import-gate')).not.toContainText('blocked');
  await bridge.screenshot('5-registration-approved');
  const view = await bridge.call('control-plane:view', {});
  expect(view.ok && view.value.importGate.allowed).toBe(true);
});

test.describe('live mode', () => {
  test.use({ bridgeDeps: { environment: { mode: 'live', description: 'Microsoft Azure (public cloud), tenant contoso.com' } } });

  test('shows nothing of the vendor’s part: no vendor message, no rehearsal tenant, no approve button', async ({ page, bridge }) => {
    await page.getByRole('button', { name: 'Vault registration' }).click();
    await expect(page.getByRole('heading', { name: 'Register your vault with the vendor', level: 1 })).toBeVisible();
    await expect(page.getByLabel('Enrolment token')).toBeVisible();
    await expect(page.getByTestId('vendor-message')).toHaveCount(0);
    await bridge.screenshot('6-live-no-vendor');
    await page.getByRole('button', { name: 'Azure Information Worksheet' }).click();
    await expect(page.getByRole('tab', { name: /Key holder 1/ })).toBeVisible();
    await expect(page.getByTestId('rehearsal-tenant')).toHaveCount(0);
    const values = await bridge.call('rehearsal-vendor:values', {});
    expect(values).toEqual({ ok: true, value: { available: false } });
  });
});
