/**
 * Going live in the UI alone: a fresh workstation (its own Node process,
 * trusting the rehearsal CA as a corporate root; no descriptor, no agent)
 * is configured through the first-run question and the settings screen as a
 * *custom cloud* whose endpoints are the rehearsal cloud's hosts; the
 * connection test fails for a wrong client ID, a missing vault role and a
 * vault without purge protection, then passes; the settings are saved, the
 * app restarts in live mode, and the holder fills the worksheet, registers with
 * the vendor, signs in through the browser flow, imports under supervision,
 * submits and reads the status, all over live mode's code path.
 * A second test: a policy file locks the tenant and the control plane.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, SCREENSHOT_DIR } from '../support/fixtures';
import { SignInBrowser, importThroughActivation } from '../support/import';
import { saveHolderOneOnScreen } from '../support/worksheet-values';
import { enrolInPlan, importCast } from '../support/participants';
import { createEscrowService } from '../../electron/services/escrow/service';
import { PASS } from '../../electron/services/escrow/testing/helpers';
import { systemClock } from '../../electron/services/platform/clock';
import { silentLogger } from '../../electron/services/log/logger';
import { LiveWorkstation } from '../support/live-workstation';
import { startRehearsalCloud, type RehearsalCloud } from '../../electron/rehearsal/index';
import { agentFor, request } from '../../electron/rehearsal/testing/sdk';

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `live-settings-${name}.png`), fullPage: true });
}

function admin(cloud: RehearsalCloud) {
  const agent = agentFor(cloud);
  return (method: string, route: string, b: unknown) => {
    const body = JSON.stringify(b);
    return request(agent, `${cloud.descriptor.adminUrl}${route}`, { method, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body });
  };
}

/**
 * The custodians' escrow and the holder's copy, made on the custodian's (live) workstation and handed over as a
 * file: production KDF and no rehearsal mark, or the live import refuses it.
 */
async function holderCopy(dir: string): Promise<string> {
  const e = createEscrowService({ dataDir: dir, clock: systemClock, log: silentLogger, mode: 'live' });
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

async function fill(page: Page, label: string | RegExp, value: string): Promise<void> {
  const input = page.getByLabel(label, { exact: typeof label === 'string' });
  await input.fill(value);
}

test.describe.configure({ timeout: 240_000 });

test('a holder goes live through the settings screen: custom cloud, connection test failures and success, restart in live mode, browser sign-in, import, submission, status', async ({ page, browser, pageErrors }) => {
  void pageErrors;
  const cloudDir = mkdtempSync(path.join(tmpdir(), 'keyholder-e2e-cloud-'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'keyholder-e2e-live-'));
  const cloud = await startRehearsalCloud({ dataDir: cloudDir, adminEnabled: true });
  const d = cloud.descriptor;
  const call = admin(cloud);
  const tenant = d.tenants[0]!;
  const app = d.apps.find((a) => a.tenantId === tenant.id)!;
  const alice = d.users.find((u) => u.tenantId === tenant.id)!;
  const signIn = new SignInBrowser(browser);
  const ws = await LiveWorkstation.start({ dataDir, caCertPath: d.caCertPath, openBrowser: signIn.openBrowser });
  /** The holder picks their account on the sign-in page that the app opened. */
  const signInInBrowser = async (before: number) => {
    await expect.poll(() => signIn.pages.length).toBe(before + 1);
    const tab = signIn.pages[before]!;
    await tab.getByRole('button', { name: new RegExp(`Sign in as ${alice.displayName.split(' ')[0]}`) }).click();
  };
  const runTest = async (expectSignIn: boolean) => {
    const before = signIn.pages.length;
    await page.getByRole('button', { name: 'Test connection' }).click();
    if (expectSignIn) await signInInBrowser(before);
    await expect(page.getByTestId('connection-report')).toBeVisible({ timeout: 60_000 });
  };
  try {
    await page.goto(ws.url);
    // First run: rehearsal or the organisation's tenant.
    await expect(page.getByTestId('first-run')).toBeVisible();
    await expect(page.getByTestId('rehearsal-banner')).toBeVisible();
    await shot(page, 'first-run');
    await page.getByRole('button', { name: 'Use my organisation’s tenant' }).click();
    await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();

    // Bad input in each field: a message naming the field and what to enter, with the step of docs/live-mode.md.
    await fill(page, /^Tenant/, 'contoso');
    await fill(page, /^Application \(client\) ID/, 'not-a-guid');
    await page.getByLabel('Cloud').selectOption('custom');
    await fill(page, /^Sign-in \(authority\) host/, 'http://login.example.test/tenant');
    await fill(page, /^Key Vault DNS suffix/, 'vault.example.test');
    await expect(page.getByText(/^Tenant: enter your directory \(tenant\) ID/)).toBeVisible();
    await expect(page.getByText(/^Application \(client\) ID: enter the GUID/)).toBeVisible();
    await expect(page.getByText(/^Sign-in \(authority\) host: enter the https address/)).toBeVisible();
    await expect(page.getByText(/^Key Vault DNS suffix: .*starting with a dot/)).toBeVisible();
    await expect(page.getByText('docs/live-mode.md#step-1-the-tenant')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Test connection' })).toBeDisabled();
    await shot(page, 'field-errors');

    // The custom cloud: the rehearsal cloud's hosts, typed in as a private cloud's would be.
    const base = `https://localhost:${d.port}`;
    await fill(page, /^Tenant/, tenant.id);
    await fill(page, /^Application \(client\) ID/, '99999999-9999-4999-8999-999999999999');
    await fill(page, /^Sign-in \(authority\) host/, base);
    await fill(page, /^Key Vault DNS suffix/, d.vaultDnsSuffix);
    await fill(page, /^Managed HSM DNS suffix/, '.managedhsm.rehearsal.localhost');
    await fill(page, /^Key Vault token scope/, d.vaultScope);
    await fill(page, /^Microsoft Graph endpoint/, base);
    await fill(page, /^Microsoft Graph token scope/, d.graphScope);
    await fill(page, /^Resource Manager endpoint/, base);
    await fill(page, /^Resource Manager token scope/, d.managementScope);
    const vault1 = d.vaults.find((v) => v.name === 'holder1-vault')!.url;
    await fill(page, /^Your vault/, vault1);
    await shot(page, 'custom-cloud');

    // 1. Wrong client ID.
    await runTest(false);
    await expect(page.getByTestId('check-application')).toHaveAttribute('data-status', 'fail');
    await expect(page.getByTestId('check-application')).toContainText('App registrations > Key Holder > Overview');
    await shot(page, 'test-wrong-client-id');
    await fill(page, /^Application \(client\) ID/, app.appId);

    // 2. Missing vault role: the holder can see the vault (Reader) but not import into it.
    await call('DELETE', '/role-assignments', { vaultName: 'holder1-vault', principalId: alice.oid });
    await call('POST', '/role-assignments', { vaultName: 'holder1-vault', principalId: alice.oid, role: 'Reader' });
    await runTest(true);
    await expect(page.getByTestId('check-sign-in')).toHaveAttribute('data-status', 'pass');
    await expect(page.getByTestId('check-role')).toHaveAttribute('data-status', 'fail');
    await expect(page.getByTestId('check-role')).toContainText('Key Vault Crypto Officer');
    await shot(page, 'test-missing-role');
    await call('DELETE', '/role-assignments', { vaultName: 'holder1-vault', principalId: alice.oid });
    await call('POST', '/role-assignments', { vaultName: 'holder1-vault', principalId: alice.oid });

    // 3. A vault without purge protection.
    const created = await call('POST', '/vaults', { name: 'nopurge-vault', tenantId: tenant.id, purgeProtection: false });
    await fill(page, /^Your vault/, (created.json() as { url: string }).url);
    await runTest(true);
    await expect(page.getByTestId('check-purge-protection')).toHaveAttribute('data-status', 'fail');
    await expect(page.getByTestId('check-purge-protection')).toContainText('Properties > Purge protection');
    await shot(page, 'test-no-purge-protection');

    // 4. Success, then save (confirmed) and switch to live (confirmed).
    await fill(page, /^Your vault/, vault1);
    await page.getByText(/Track the client secret’s expiry/).click();
    await runTest(true);
    for (const id of ['tenant', 'application', 'sign-in', 'vault', 'soft-delete', 'purge-protection', 'rbac', 'sku', 'role', 'graph']) {
      await expect(page.getByTestId(`check-${id}`)).toHaveAttribute('data-status', 'pass');
    }
    await shot(page, 'test-success');
    // Nothing is saved until the holder confirms.
    expect(await ws.call('settings:view', {})).toMatchObject({ ok: true, value: { liveReady: false, configured: 'live' } });
    await page.getByRole('button', { name: 'Save settings…' }).click();
    await page.getByRole('button', { name: 'Confirm and save' }).click();
    await expect(page.getByTestId('settings-notice')).toContainText('Settings saved');
    await page.getByRole('button', { name: 'Switch to live mode' }).click();
    await shot(page, 'switch-confirm');
    await page.getByRole('button', { name: 'Confirm: switch to live mode and restart' }).click();
    await expect(page.getByTestId('settings-notice')).toContainText('Close and reopen Key Holder');

    // The app restarts in live mode, in its own data folder, with the custom cloud.
    await ws.restart();
    await page.goto(ws.url);
    await expect(page.getByTestId('live-banner')).toContainText(`LIVE: Custom cloud (localhost:${d.port}), tenant ${tenant.id}`);
    await expect(page.getByTestId('rehearsal-banner')).toHaveCount(0);
    const status = await ws.call('identity:status', {});
    expect(status).toMatchObject({ ok: true, value: { configured: true, defaultTenantId: tenant.id } });

    // The worksheet column and the vendor's registration, as in the ceremony (control plane over system trust).
    const vaultHost = new URL(vault1).host;
    const KEY_NAME = 'contoso-cmek-live';
    await saveHolderOneOnScreen(page, { vaultHost, clientId: app.appId, clientSecret: app.clientSecret!, tenantId: app.tenantId, keyName: KEY_NAME });
    const vendor = async (route: string, body?: unknown) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const r = await request(agentFor(cloud), `${d.controlPlaneUrl}${route}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${d.controlPlaneAdminToken}`, ...(text ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } : {}) },
        ...(text ? { body: text } : {}),
      });
      expect(r.status, r.text).toBeLessThan(300);
      return r.json() as Record<string, unknown>;
    };
    const token = (await vendor('/admin/enrolments', { environmentId: 'contoso-prod', holder: 1, primaryKeyName: 'Contoso CMK' })).token as string;
    await page.getByRole('button', { name: 'Vault registration' }).click();
    await page.getByLabel('Control plane address').fill(d.controlPlaneUrl);
    await page.getByLabel('Sealing key fingerprint (from the vendor’s message)').fill(d.controlPlaneFingerprint);
    await page.getByLabel('Enrolment token').fill(token);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByTestId('cp-connected')).toContainText('as key holder 1 of environment contoso-prod');
    await page.getByLabel('Your vault’s DNS name (worksheet line 1)').fill(vaultHost);
    await page.getByRole('button', { name: 'Request registration' }).click();
    await expect(page.getByTestId('cp-registration')).toHaveAttribute('data-status', 'pending');
    const regs = (await vendor('/admin/registrations')).registrations as { registrationId: string; vaultDnsName: string; status: string }[];
    const reg = regs.find((r) => r.vaultDnsName === vaultHost && r.status === 'pending')!;
    await vendor(`/admin/registrations/${reg.registrationId}/approve`, {});
    await page.getByRole('button', { name: 'Check again' }).click();
    await expect(page.getByTestId('cp-registration')).toHaveAttribute('data-status', 'registered');

    // Before the ceremony: the four people of the import are enrolled in the ceremony plan.
    const people = { operator: 'Olive Operator', supervisor: 'Sam Supervisor', keeper: 'Kim Keeper', knower: 'Noor Knower' };
    await enrolInPlan(page, importCast(people));

    // Sign in through the browser flow on the Import screen.
    await page.getByRole('button', { name: 'Import into your vault' }).click();
    const before = signIn.pages.length;
    await page.getByRole('button', { name: 'Sign in with the browser' }).click();
    await signInInBrowser(before);
    await expect(page.getByTestId('signed-in-as')).toContainText(alice.username);
    await shot(page, 'live-signed-in');

    // Import through the supervised activation into the vault, over the live code path (no agent, system trust).
    const copyFile = await holderCopy(path.join(cloudDir, 'custodian'));
    const keyVersionId = await importThroughActivation(page, {
      copyFile,
      copyPassphrase: PASS[2]!,
      vaultUrl: vault1,
      keyName: KEY_NAME,
      people,
    });
    expect(keyVersionId.startsWith(`${vault1}/keys/${KEY_NAME}/`)).toBe(true);
    const sheet = await ws.call('worksheet:get', {});
    expect(sheet.ok && sheet.value.holder1.keyIdentifier).toBe(keyVersionId);
    await shot(page, 'live-imported');

    // Sealed submission, then the primary key's status as the vendor reports it (holder 2 has not submitted here).
    await page.getByRole('button', { name: 'Submission to the vendor' }).click();
    await page.getByRole('button', { name: 'Show what will be sent' }).click();
    await expect(page.getByTestId('cp-preview')).toContainText(vaultHost);
    await page.getByRole('button', { name: 'Seal and send' }).click();
    await expect(page.getByTestId('cp-result')).toHaveAttribute('data-validation', 'waiting_for_other_holder');
    await page.getByRole('button', { name: 'Primary key status' }).click();
    await page.getByRole('button', { name: 'Check now' }).click();
    await expect(page.getByTestId('cp-validation')).toHaveAttribute('data-state', 'waiting_for_other_holder');
    await expect(page.getByTestId('cp-validation')).toContainText('Key holder 1 has submitted');
    await shot(page, 'live-status');
  } finally {
    await ws.stop();
    await signIn.close();
    await cloud.stop();
    rmSync(cloudDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const FP = `sha256:${'c'.repeat(64)}`;
const policyDir = mkdtempSync(path.join(tmpdir(), 'keyholder-e2e-policy-'));
const policyFile = path.join(policyDir, 'policy.json');
writeFileSync(policyFile, JSON.stringify({ tenant: 'contoso.onmicrosoft.com', controlPlane: { url: 'https://control-plane.vendor.example', fingerprint: FP } }));

test.describe('managed configuration', () => {
  test.use({ bridgeDeps: { workstation: { policyFile } } });

  test('a policy file locks the tenant and the control plane; the screen shows them as set by the organisation', async ({ page, bridge }) => {
    await expect(page.getByTestId('first-run')).toBeVisible();
    await page.getByRole('button', { name: 'Use my organisation’s tenant' }).click();
    await expect(page.getByTestId('settings-managed')).toContainText(policyFile);
    const tenant = page.getByLabel(/^Tenant/);
    await expect(tenant).toHaveValue('contoso.onmicrosoft.com');
    await expect(tenant).toBeDisabled();
    await expect(page.locator('label[for="settings-tenant"]')).toContainText('Set by your organisation');
    await expect(page.getByLabel(/^Application \(client\) ID/)).toBeEnabled();
    await expect(page.getByTestId('settings-control-plane')).toContainText('https://control-plane.vendor.example');
    await expect(page.getByTestId('settings-control-plane')).toContainText(FP);
    await bridge.screenshot('managed');
    // The Node side refuses a save that changes a managed field, whatever the page sends.
    const r = await bridge.call('settings:save', { settings: { tenant: 'fabrikam.com', clientId: '11111111-2222-3333-4444-555555555555', cloud: 'public' }, confirmed: true });
    expect(r).toMatchObject({ ok: false, error: { code: 'settings.managed' } });
    // Connecting to a control plane other than the pinned one is refused before anything is sent.
    const cp = await bridge.call('control-plane:connect', { baseUrl: 'https://elsewhere.example', expectedFingerprint: FP, enrolmentToken: 'x' });
    expect(cp).toMatchObject({ ok: false, error: { code: 'control_plane.managed' } });
  });
});
