/**
 * Key holder 1's workstation, which also makes the escrow, walks the screens
 * in their natural order (seed 000: the worksheet, the source key and its
 * escrow with the holder copy, the vault's registration with the vendor, the
 * supervised import, the submission) and its Ceremony screen shows no step
 * "Recorded out of order". On the way:
 *
 * - the Import screen, opened before the vendor registered the vault, says
 *   what comes first with a link to the Vault registration screen, and the
 *   Node side refuses the import (the same step table decides);
 * - the workstation's own holder is preselected; choosing the other holder is
 *   warned and needs an explicit confirmation;
 * - the holder copy is picked in the file chooser (the bridge plays the
 *   dialog), never typed;
 * - the copy is opened only in a supervised activation (operator, supervisor,
 *   keeper, knower: four different people behind hand-over screens), line 2
 *   is filled and the fingerprint matches.
 *
 * Screenshots: test-results/screenshots/import-*.png.
 */
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { test as base, expect, SCREENSHOT_DIR } from '../support/fixtures';
import { SignInBrowser, importThroughActivation, join, signInOnRehearsalPage, type ImportStep } from '../support/import';
import { saveHolderOneOnScreen } from '../support/worksheet-values';
import { enrolInPlan, importCast } from '../support/participants';
import { restoreTurn, sealTurn } from '../support/escrow';
import { startRehearsalCloud, type RehearsalCloud } from '../../electron/rehearsal/index';
import { agentFor, request } from '../../electron/rehearsal/testing/sdk';
import { TEST_KDF } from '../../shared/escrow/kdf-profiles';

interface Extra {
  cloud: RehearsalCloud;
  signIn: SignInBrowser;
}

const test = base.extend<Extra>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
  cloud: async ({}, use) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-e2e-cloud-'));
    const cloud = await startRehearsalCloud({ dataDir: dir, adminEnabled: true });
    await use(cloud);
    await cloud.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  },
  signIn: async ({ browser }, use) => {
    const signIn = new SignInBrowser(browser);
    await use(signIn);
    await signIn.close();
  },
  bridgeDeps: async ({ cloud, signIn }, use) => {
    await use({ rehearsal: { cloud, holder: 1 }, deps: { escrowKdf: TEST_KDF, openBrowser: signIn.openBrowser } });
  },
});

const PASS = {
  carol: 'violet-anchor-tundra-mosaic-lantern',
  dan: 'copper-whisper-glacier-orbit-meadow',
  holder1: 'saffron-quiver-basalt-harbor-ember',
};
const KEY_NAME = 'contoso-cmek-1';

const SHOTS: Record<ImportStep, string> = {
  'form-filled': '5-form-filled',
  'handover-keeper': '6-handover-keeper',
  'knower-types': '7-knower-types',
  'supervisor-attests': '8-supervisor-attests',
  imported: '9-imported',
};

test('one workstation in the screens’ natural order: worksheet, escrow and holder copy, registration, supervised import, submission; no step recorded out of order', async ({ page, bridge, cloud, signIn }) => {
  test.setTimeout(240_000);
  const d = cloud.descriptor;
  const agent = agentFor(cloud);
  const admin = async (url: string, body?: unknown) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const r = await request(agent, url, {
      method: text === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${d.controlPlaneAdminToken}`, ...(text === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }) },
      ...(text === undefined ? {} : { body: text }),
    });
    expect(r.status, `${url}: ${r.text}`).toBeLessThan(300);
    return r.json() as Record<string, unknown>;
  };
  const vault = d.vaults.find((v) => v.tenantId === d.tenants[0]!.id)!;
  const app = d.apps.find((a) => a.tenantId === vault.tenantId)!;
  const user = d.users.find((u) => u.tenantId === vault.tenantId)!;
  const vaultHost = new URL(vault.url).host;
  const people = { operator: 'Olive Operator', supervisor: 'Sam Supervisor', keeper: 'Kim Keeper', knower: 'Noor Knower' };

  // Before the ceremony: the four people of the import are enrolled in the ceremony plan.
  await enrolInPlan(page, importCast(people));

  // 1. The worksheet: holder 1's column (the vault, the application, the tenant, the secret).
  await saveHolderOneOnScreen(page, { vaultHost, clientId: app.appId, clientSecret: app.clientSecret!, tenantId: app.tenantId, keyName: KEY_NAME });

  // 2. The source key, its escrow (two custodians, test-restored from disk) and holder 1's copy.
  await page.getByRole('button', { name: 'Source key and escrow' }).click();
  await page.getByLabel(/RSA 2048/).check();
  await page.getByLabel('Purpose (printed on the restore sheet)').fill('Contoso CMK rehearsal');
  await page.getByRole('button', { name: 'Generate the source key' }).click();
  await expect(page.getByTestId('check-value')).toHaveText(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
  await page.getByLabel('Custodian 1', { exact: true }).fill('Carol Custodian');
  await page.getByLabel('Custodian 2', { exact: true }).fill('Dan Custodian');
  await page.getByRole('button', { name: 'Continue to passphrases' }).click();
  await sealTurn(page, 'Carol Custodian', PASS.carol);
  await sealTurn(page, 'Dan Custodian', PASS.dan);
  await page.getByRole('button', { name: 'Save files' }).click();
  await expect(page.getByTestId('files')).toContainText('.khescrow');
  await restoreTurn(page, 'Carol Custodian', PASS.carol);
  await restoreTurn(page, 'Dan Custodian', PASS.dan);
  await expect(page.getByTestId('escrow-done')).toBeVisible();
  await page.getByLabel('Key holder', { exact: true }).fill('Key holder 1');
  await page.getByRole('button', { name: 'Make a copy' }).click();
  await expect(page.getByTestId('handover')).toContainText('Hand the keyboard to Key holder 1');
  await bridge.screenshot('1-holder-copy-handover');
  await sealTurn(page, 'Key holder 1', PASS.holder1);
  await expect(page.getByTestId('holder-copies')).toContainText('holder-key-holder-1-');
  // The copy leaves the escrow folder on removable media, as it would in the ceremony.
  const escrowRoot = path.join(bridge.current.dataDir, 'ceremony', 'escrow');
  const escrowDir = path.join(escrowRoot, fs.readdirSync(escrowRoot)[0]!);
  const usb = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-e2e-usb-'));
  const copyName = fs.readdirSync(escrowDir).find((f) => f.startsWith('holder-key-holder-1-'))!;
  const copyFile = path.join(usb, copyName);
  fs.copyFileSync(path.join(escrowDir, copyName), copyFile);

  // 3. The import cannot start yet: the screen says the vendor's registration comes first, and so does the Node side.
  await page.getByRole('button', { name: 'Import into your vault' }).click();
  await signInOnRehearsalPage(page, signIn, { firstName: user.displayName.split(' ')[0]!, username: user.username }, async (tab) => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await tab.screenshot({ path: path.join(SCREENSHOT_DIR, 'import-2-rehearsal-sign-in-page.png') });
  });
  // This workstation keeps holder 1's client secret: holder 1 is preselected.
  await expect(page.getByLabel('Key holder 1', { exact: true })).toBeChecked();
  const gate = page.getByTestId('step-gate');
  await expect(gate).toContainText('The supervised import for key holder 1 cannot start yet. First: Vault registered with the vendor (holder 1)');
  await expect(page.getByRole('button', { name: 'Start the supervised import' })).toBeDisabled();
  // The screen names the four people the supervised import enforces (issue 14: it said "have all three with you").
  await expect(page.getByText('The copy is opened under supervision, by four different people')).toBeVisible();
  await expect(page.locator('main')).not.toContainText('all three');
  await bridge.screenshot('3-import-waits-for-registration');
  const refused = await bridge.call('vault:startImport', { holder: 1, holderCopyPath: copyFile, vaultUrl: vault.url, keyName: KEY_NAME, protection: 'hsm', allowEncryptDecrypt: false });
  expect(refused.ok === false && refused.error.code).toBe('ceremony.step_out_of_order');

  // 4. Registration: the vendor's enrolment, connect, register, the vendor approves.
  await gate.getByRole('button', { name: 'go to Vault registration' }).click();
  await expect(page.getByRole('heading', { name: 'Register your vault with the vendor' })).toBeVisible();
  const token = (await admin(`${d.controlPlaneUrl}/admin/enrolments`, { environmentId: 'contoso-prod', holder: 1, primaryKeyName: 'Contoso CMK' })).token as string;
  await page.getByLabel('Control plane address').fill(d.controlPlaneUrl);
  await page.getByLabel('Sealing key fingerprint (from the vendor’s message)').fill(d.controlPlaneFingerprint);
  await page.getByLabel('Enrolment token').fill(token);
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByTestId('cp-connected')).toContainText('as key holder 1 of environment contoso-prod');
  await page.getByLabel('Your vault’s DNS name (worksheet line 1)').fill(vaultHost);
  await page.getByRole('button', { name: 'Request registration' }).click();
  await expect(page.getByTestId('cp-registration')).toHaveAttribute('data-status', 'pending');
  const regs = (await admin(`${d.controlPlaneUrl}/admin/registrations`)).registrations as { registrationId: string; vaultDnsName: string; status: string }[];
  const reg = regs.find((r) => r.vaultDnsName === vaultHost && r.status === 'pending')!;
  await admin(`${d.controlPlaneUrl}/admin/registrations/${reg.registrationId}/approve`, {});
  await page.getByRole('button', { name: 'Check again' }).click();
  await expect(page.getByTestId('cp-registration')).toHaveAttribute('data-status', 'registered');

  // The submission cannot start before the import either: the Submission screen says so and links to the Import screen.
  await page.getByRole('button', { name: 'Submission to the vendor' }).click();
  await expect(page.getByTestId('step-gate')).toContainText('The submission for key holder 1 cannot start yet. First: Key imported into the vault (holder 1).');
  await bridge.screenshot('4a-submission-waits-for-import');
  const early = await bridge.call('control-plane:submit', {});
  expect(early.ok === false && early.error.code).toBe('ceremony.step_out_of_order');

  // 5. The supervised import. Choosing the other holder is warned and needs a confirmation.
  await page.getByTestId('step-gate').getByRole('button', { name: 'go to Import into your vault' }).click();
  await expect(page.getByRole('heading', { name: 'Import your key into your vault' })).toBeVisible();
  await expect(page.getByTestId('step-gate')).toHaveCount(0);
  await page.getByLabel('Key holder 2', { exact: true }).check();
  await expect(page.getByTestId('other-holder-warning')).toContainText('This workstation belongs to key holder 1');
  await expect(page.getByRole('button', { name: 'Start the supervised import' })).toBeDisabled();
  await bridge.screenshot('4-other-holder-warned');
  await page.getByLabel('Key holder 1', { exact: true }).check();
  await expect(page.getByTestId('other-holder-warning')).toHaveCount(0);
  // The refused start kept the draft (the copy on removable media). The copy made here is listed too; the holder picks
  // it, then the one on removable media again in the file chooser (importThroughActivation).
  await expect(page.getByTestId('holder-copy-path')).toHaveText(copyFile);
  await page.getByRole('radio', { name: new RegExp(copyName) }).check();
  await expect(page.getByTestId('holder-copy-path')).toHaveText(path.join(escrowDir, copyName));
  const keyVersionId = await importThroughActivation(page, {
    copyFile,
    copyPassphrase: PASS.holder1,
    vaultUrl: vault.url,
    keyName: KEY_NAME,
    people,
    shot: (step) => bridge.screenshot(SHOTS[step]),
    // The supervisor cannot also be the keeper.
    atKeeperTurn: async () => {
      await join(page, 'Sam Supervisor');
      await expect(page.getByTestId('import-error')).toContainText('Each role needs a different person');
    },
  });
  const ws = await bridge.call('worksheet:get', {});
  expect(ws.ok && ws.value.holder1.keyIdentifier).toBe(keyVersionId);
  // Nothing on the page holds the copy's passphrase or a participant's after the hand-over.
  const html = await page.content();
  expect(html).not.toContain(PASS.holder1);
  expect(html).not.toContain('signing passphrase');

  // 6. The sealed submission.
  await page.getByRole('button', { name: 'Submission to the vendor' }).click();
  await page.getByRole('button', { name: 'Show what will be sent' }).click();
  await expect(page.getByTestId('cp-preview')).toContainText(vaultHost);
  await page.getByRole('button', { name: 'Seal and send' }).click();
  await expect(page.getByTestId('cp-result')).toHaveAttribute('data-validation', 'waiting_for_other_holder');

  // The Ceremony screen: every step of this workstation in order, nothing recorded out of order.
  await page.getByRole('button', { name: 'Ceremony', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Ceremony', exact: true })).toBeVisible();
  for (const id of ['worksheet-saved:1', 'key-generated', 'escrow-written', 'escrow-test-restored', 'holder-copy-written:1', 'registered:1', 'activation-attested:1', 'vault-imported:1', 'submitted:1']) {
    await expect(page.getByTestId(`step-${id}`)).toHaveAttribute('data-state', 'done');
  }
  await expect(page.getByRole('heading', { name: 'Recorded out of order' })).toHaveCount(0);
  await expect(page.getByTestId('ceremony-deviations')).toHaveCount(0);
  const participants = page.getByTestId('ceremony-participants');
  for (const [name, role] of [['Olive Operator', 'operator'], ['Sam Supervisor', 'supervisor'], ['Kim Keeper', 'keeper'], ['Noor Knower', 'knower']]) {
    await expect(participants.getByRole('row', { name: new RegExp(`${name} ${role}`) })).toBeVisible();
  }
  await bridge.screenshot('10-ceremony-no-deviation');
  const view = await bridge.call('ceremony:view', {});
  const transcriptFile = view.ok ? view.value.transcriptFile! : '';
  const kinds = fs
    .readFileSync(transcriptFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { kind: string }).kind)
    .filter((k) => k !== 'ceremony.plan');
  expect(kinds).toEqual([
    'ceremony.opened',
    'worksheet.saved',
    'key.generated',
    'escrow.written',
    'escrow.test-restored',
    'holder-copy.written',
    'registration.requested',
    'registration.done',
    'activation.attested',
    'activation.completed',
    'vault.imported',
    'submission.receipt',
  ]);

  // Holder 2's part is done on their own workstation; this one closes its record as abandoned, with the reason.
  await page.getByLabel(/say why/).fill('rehearsal of holder 1’s part only');
  await page.getByRole('button', { name: 'Close ceremony as abandoned' }).click();
  await expect(page.getByTestId('final-hash')).toHaveText(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
  await page.getByRole('button', { name: 'Export the ceremony report (PDF)' }).click();
  await expect(page.getByTestId('report-exported')).toContainText('.pdf');
  const pdfPath = (await page.getByTestId('report-exported').locator('.cer-mono').textContent())!;
  expect(fs.readFileSync(pdfPath).subarray(0, 5).toString()).toBe('%PDF-');

  // Reopening the app shows the same result from the record (no second import).
  await bridge.restart();
  await page.getByRole('button', { name: 'Import into your vault' }).click();
  await expect(page.getByTestId('line2')).toHaveText(keyVersionId);
  await expect(page.getByTestId('fingerprint-match')).toHaveText(/Fingerprint match/);
  agent.destroy();
  fs.rmSync(usb, { recursive: true, force: true });
});
