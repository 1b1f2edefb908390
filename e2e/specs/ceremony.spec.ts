/**
 * The whole two-holder rehearsal ceremony in Chromium, on three workstations
 * (each its own app instance and data folder) against ONE shared rehearsal
 * cloud with the reference control plane inside:
 *
 * - the custodian generates the source key, two custodians escrow it and
 *   test-restore it from disk, and the custodian makes a key-holder copy for
 *   each holder (carried to their workstation as a file);
 * - the vendor enrols both holders (control-plane admin API);
 * - each holder fills their worksheet column on the Worksheet screen (values
 *   from the rehearsal descriptor, as the holder would copy them from their
 *   tenant), connects to the control plane (pinning its fingerprint),
 *   registers their vault, waits for the vendor's approval, signs in on the
 *   rehearsal sign-in page, imports their copy into their own vault on the
 *   Import screen through a supervised activation (operator, supervisor,
 *   keeper, knower: four different people behind hand-over screens), sees
 *   line 2 and the fingerprint match, and submits the sealed key-store record;
 * - the primary key shows Available; then holder 1's key is disabled in the
 *   rehearsal cloud (its admin API, "behind the app's back") and holder 1's
 *   status screen turns to Key Store 1 Revoked;
 * - one ceremony across the three workstations: the plans (workstation keys)
 *   are exchanged first; each workstation's signed transcript file travels
 *   with the holder copies and after the submissions (Ceremony screen: export,
 *   import); each workstation closes, and each shows the same merged ceremony,
 *   with who recorded each step and no deviation in the natural order; the
 *   bundle of the three files is accepted by `keyholder transcript verify`
 *   with the control plane's final hashes, and refused when one file is
 *   tampered with (exit 1) or left out (exit 5). Before the last file is in,
 *   the custodians' desk shows the merged ceremony with that gap; when the
 *   control plane is gone, a holder's Ceremony screen still shows the whole
 *   ceremony from the files kept there and says the vendor was not reached.
 *
 * Screenshots: test-results/screenshots/ceremony-*.png.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, SCREENSHOT_DIR } from '../support/fixtures';
import { SignInBrowser, importThroughActivation, signInOnRehearsalPage, type ImportPeople, type ImportStep } from '../support/import';
import { enrolInPlan, importCast } from '../support/participants';
import { startBridge, type Bridge } from '../bridge/server';
import { startRehearsalCloud, type RehearsalCloud } from '../../electron/rehearsal/index';
import { agentFor, request } from '../../electron/rehearsal/testing/sdk';
import { TEST_KDF } from '../../shared/escrow/kdf-profiles';
import { restoreTurn, sealTurn } from '../support/escrow';
import { wcag22Violations } from '../support/axe';
import { main as keyholderCli } from '../../electron/cli/main';
import type { CliIo } from '../../electron/cli/io';

const PASS = {
  carol: 'violet-anchor-tundra-mosaic-lantern',
  dan: 'copper-whisper-glacier-orbit-meadow',
  holder1: 'saffron-quiver-basalt-harbor-ember',
  holder2: 'indigo-falcon-prairie-cobalt-thistle',
};
const KEY_NAME = 'contoso-cmk';
// Four different people at each holder's workstation; none of them is at the other's.
const PEOPLE: Record<1 | 2, ImportPeople> = {
  1: { operator: 'Hana Holder', supervisor: 'Sam Supervisor', keeper: 'Kim Keeper', knower: 'Noor Knower' },
  2: { operator: 'Hugo Holder', supervisor: 'Sue Supervisor', keeper: 'Kai Keeper', knower: 'Nils Knower' },
};
const IMPORT_SHOTS: Record<ImportStep, string> = {
  'form-filled': '3a-import-form',
  'handover-keeper': '3b-import-handover-keeper',
  'knower-types': '3c-import-knower-types',
  'supervisor-attests': '3d-import-supervisor-attests',
  imported: '3e-imported',
};
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

interface Workstation {
  name: string;
  bridge: Bridge;
  page: Page;
  errors: string[];
  shot(step: string): Promise<void>;
}

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `ceremony-${name}.png`), fullPage: true });
}

const LABELS = { custodian: 'Custodians’ desk', holder1: 'Holder 1 laptop', holder2: 'Holder 2 laptop' } as const;

/** Ceremony screen: this workstation's signed transcript file (the bridge saves exports under its data folder). */
async function exportWorkstationFile(w: Workstation): Promise<string> {
  await w.page.getByRole('button', { name: 'Ceremony', exact: true }).click();
  await w.page.getByRole('button', { name: 'Export this workstation’s file' }).click();
  const done = w.page.getByTestId('whole-done');
  await expect(done).toContainText('was saved to');
  return /saved to (\S+\.khtranscript)/.exec((await done.textContent())!)![1]!;
}

/** Ceremony screen: another workstation's file, through the file chooser. */
async function importWorkstationFile(w: Workstation, file: string, from: string): Promise<void> {
  await w.page.getByRole('button', { name: 'Ceremony', exact: true }).click();
  await w.page.getByLabel('Import another workstation’s file').setInputFiles(file);
  await expect(w.page.getByTestId('whole-done')).toContainText(`Imported the file of ${from}`);
}

/** `keyholder transcript verify ARGS`, in this process: its exit status and what it printed. */
async function verifyCli(args: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const io: CliIo = { out: (l) => lines.push(l), err: (l) => lines.push(l), promptHidden: () => Promise.reject(new Error('no terminal')), env: {}, cwd: process.cwd() };
  const code = await keyholderCli(['transcript', 'verify', ...args], io);
  return { code, text: lines.join('\n') };
}


test('two holders on their own workstations: escrow, registration, import, sealed submission, Available, then Key Store 1 Revoked', async ({ browser }) => {
  test.setTimeout(300_000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-e2e-ceremony-'));
  let cloud: RehearsalCloud | null = null;
  const signIn = new SignInBrowser(browser);
  const stations: Workstation[] = [];
  try {
    cloud = await startRehearsalCloud({ dataDir: path.join(root, 'cloud'), adminEnabled: true });
    const d = cloud.descriptor;
    const agent = agentFor(cloud);
    const post = async (url: string, body: unknown, token?: string) => {
      const text = JSON.stringify(body);
      const r = await request(agent, url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: text });
      expect(r.status, `${url}: ${r.text}`).toBeLessThan(300);
      return r.json() as Record<string, string>;
    };
    const open = async (name: keyof typeof LABELS, holder: 1 | 2): Promise<Workstation> => {
      const bridge = await startBridge({
        dataDir: path.join(root, name),
        rehearsal: { cloud: cloud!, holder },
        deps: { escrowKdf: TEST_KDF, openBrowser: signIn.openBrowser, workstationLabel: LABELS[name] },
      });
      // A context of its own (axe checks pages of a context the test made), as a separate workstation would be.
      const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
      await page.goto(bridge.url);
      const w: Workstation = { name, bridge, page, errors, shot: (step) => shot(page, `${name}-${step}`) };
      stations.push(w);
      return w;
    };

    // ---- before the ceremony: each holder's four people are enrolled in the ceremony plan at that holder's workstation,
    // then the three workstations exchange their plans (participants and ceremony keys), so all three hold one plan:
    // each accepts the others' transcript files, and the control plane pins that plan.
    const custodian = await open('custodian', 1);
    const holders = { 1: await open('holder1', 1), 2: await open('holder2', 2) } as Record<1 | 2, Workstation>;
    const everyone = [custodian, holders[1], holders[2]];
    for (const h of [1, 2] as const) await enrolInPlan(holders[h].page, importCast(PEOPLE[h]));
    for (const from of everyone) {
      const plan = await from.bridge.call('activation:plan', {});
      if (!plan.ok) throw new Error(plan.error.message);
      for (const to of everyone) if (to !== from) expect((await to.bridge.call('activation:importPlan', { text: plan.value.text })).ok).toBe(true);
    }

    // ---- the custodian's workstation: source key, escrow, test-restore, holder copies
    const cp = custodian.page;
    await expect(cp.getByText(/REHEARSAL: Rehearsal cloud on this computer \(port \d+\), key holder 1’s workstation\./)).toBeVisible();
    await cp.getByRole('button', { name: 'Source key and escrow' }).click();
    await cp.getByLabel(/RSA 2048/).check();
    await cp.getByLabel('Purpose (printed on the restore sheet)').fill('Contoso CMK rehearsal');
    await cp.getByRole('button', { name: 'Generate the source key' }).click();
    await expect(cp.getByTestId('check-value')).toHaveText(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
    const check = (await cp.getByTestId('check-value').textContent())!;
    await cp.getByLabel('Custodian 1', { exact: true }).fill('Carol Custodian');
    await cp.getByLabel('Custodian 2', { exact: true }).fill('Dan Custodian');
    await cp.getByRole('button', { name: 'Continue to passphrases' }).click();
    await sealTurn(cp, 'Carol Custodian', PASS.carol);
    await sealTurn(cp, 'Dan Custodian', PASS.dan);
    await cp.getByRole('button', { name: 'Save files' }).click();
    await expect(cp.getByTestId('files')).toContainText('.khescrow');
    await restoreTurn(cp, 'Carol Custodian', PASS.carol);
    await expect(cp.getByTestId('restore-progress')).toContainText('opened from disk');
    await restoreTurn(cp, 'Dan Custodian', PASS.dan);
    await expect(cp.getByTestId('escrow-done')).toContainText(check);
    await custodian.shot('1-escrow-restored');
    for (const [h, pass] of [[1, PASS.holder1], [2, PASS.holder2]] as const) {
      await cp.getByLabel('Key holder', { exact: true }).fill(`Key holder ${h}`);
      await cp.getByRole('button', { name: 'Make a copy' }).click();
      await sealTurn(cp, `Key holder ${h}`, pass);
      await expect(cp.getByTestId('holder-copies')).toContainText(`holder-key-holder-${h}-`);
    }
    await custodian.shot('2-holder-copies');
    // The custodians' signed transcript travels with the holder copies.
    const custodianFile = await exportWorkstationFile(custodian);
    const escrowRoot = path.join(custodian.bridge.dataDir, 'ceremony', 'escrow');
    const escrowDir = path.join(escrowRoot, fs.readdirSync(escrowRoot)[0]!);

    // ---- the vendor enrols both holders
    const tokens = {} as Record<1 | 2, string>;
    for (const h of [1, 2] as const) {
      tokens[h] = (await post(`${d.controlPlaneUrl}/admin/enrolments`, { environmentId: 'contoso-prod', holder: h, primaryKeyName: 'Contoso CMK' }, d.controlPlaneAdminToken)).token!;
    }

    // ---- each holder on their own workstation
    for (const h of [1, 2] as const) {
      const w = holders[h];
      const page = w.page;
      const vault = d.vaults.find((v) => v.tenantId === d.tenants[h - 1]!.id)!;
      const app = d.apps.find((a) => a.tenantId === vault.tenantId)!;
      const user = d.users.find((u) => u.tenantId === vault.tenantId)!;
      const vaultHost = new URL(vault.url).host;

      // The key-holder copy arrives on removable media, with the custodians' transcript file.
      const usb = path.join(root, `usb-holder${h}`);
      fs.mkdirSync(usb);
      const copyName = fs.readdirSync(escrowDir).find((f) => f.startsWith(`holder-key-holder-${h}-`))!;
      const copy = path.join(usb, copyName);
      fs.copyFileSync(path.join(escrowDir, copyName), copy);
      await importWorkstationFile(w, custodianFile, LABELS.custodian);
      await expect(page.getByTestId('whole-step-holder-copy-written:' + h)).toContainText(`the custodians’ workstation (${LABELS.custodian})`);

      // Worksheet column, on the Worksheet screen: the holder's own vault, application, tenant and secret.
      await page.getByRole('button', { name: 'Azure Information Worksheet' }).click();
      await page.getByRole('tab', { name: new RegExp(`^Key holder ${h}`) }).click();
      const column: [string, string][] = [
        ['vaultHost', vaultHost],
        ['clientId', app.appId],
        ['clientSecret', app.clientSecret!],
        ['tenantId', app.tenantId],
        ['keyName', KEY_NAME],
        ['secretCreatedOn', day(0)],
        ['secretExpiresOn', day(365)],
      ];
      for (const [field, value] of column) await page.locator(`#ws-h${h}-${field}`).fill(value);
      await page.getByRole('button', { name: 'Save worksheet' }).click();
      // Line 2 and the other holder's column are still empty; nothing else may be wrong.
      await expect(page.getByTestId('ws-result')).toHaveText('Saved. Some fields are still empty.');
      await expect(page.locator(`#ws-panel-${h} .issue-error`)).toHaveCount(0);
      await w.shot('0-worksheet');
      const saved = await w.bridge.call('worksheet:get', {});
      expect(saved.ok && (h === 1 ? saved.value.holder1 : saved.value.holder2)).toMatchObject({ vaultHost, clientId: app.appId, tenantId: app.tenantId, keyName: KEY_NAME, secret: 'stored' });

      // Registration: connect (pin the fingerprint the vendor sent), register the vault, vendor approves.
      await page.getByRole('button', { name: 'Vault registration' }).click();
      await page.getByLabel('Control plane address').fill(d.controlPlaneUrl);
      await page.getByLabel('Sealing key fingerprint (from the vendor’s message)').fill(d.controlPlaneFingerprint);
      await page.getByLabel('Enrolment token').fill(tokens[h]);
      await page.getByRole('button', { name: 'Connect' }).click();
      await expect(page.getByTestId('cp-connected')).toContainText(`as key holder ${h} of environment contoso-prod`);
      await page.getByLabel('Your vault’s DNS name (worksheet line 1)').fill(vaultHost);
      await page.getByRole('button', { name: 'Request registration' }).click();
      await expect(page.getByTestId('cp-registration')).toHaveAttribute('data-status', 'pending');
      await w.shot('1-registration-pending');
      const regs = await request(agent, `${d.controlPlaneUrl}/admin/registrations`, { headers: { authorization: `Bearer ${d.controlPlaneAdminToken}` } });
      const reg = (regs.json() as { registrations: { registrationId: string; vaultDnsName: string; status: string }[] }).registrations.find((r) => r.vaultDnsName === vaultHost && r.status === 'pending')!;
      await post(`${d.controlPlaneUrl}/admin/registrations/${reg.registrationId}/approve`, {}, d.controlPlaneAdminToken);
      await page.getByRole('button', { name: 'Check again' }).click();
      await expect(page.getByTestId('cp-registration')).toHaveAttribute('data-status', 'registered');
      await w.shot('2-registered');

      // Import: this holder's four people (enrolled in the plan before the ceremony) sign in on the rehearsal page as this holder and import the copy into their own vault under supervision.
      await page.getByRole('button', { name: 'Import into your vault' }).click();
      await signInOnRehearsalPage(page, signIn, { firstName: user.displayName.split(' ')[0]!, username: user.username });
      // The worksheet column just saved is what the Import screen proposes.
      await expect(page.getByLabel(`Key holder ${h}`, { exact: true })).toBeChecked();
      await expect(page.getByLabel('Vault URL (worksheet line 1)')).toHaveValue(`https://${vaultHost}`);
      await expect(page.getByLabel('Key name')).toHaveValue(KEY_NAME);
      const keyVersionId = await importThroughActivation(page, {
        copyFile: copy,
        copyPassphrase: h === 1 ? PASS.holder1 : PASS.holder2,
        vaultUrl: `https://${vaultHost}`,
        keyName: KEY_NAME,
        people: PEOPLE[h],
        shot: (step) => w.shot(IMPORT_SHOTS[step]),
      });
      expect(keyVersionId.startsWith(vault.url.replace(/\/+$/, ''))).toBe(true);
      const html = await page.content();
      expect(html).not.toContain(h === 1 ? PASS.holder1 : PASS.holder2);
      expect(html).not.toContain('signing passphrase');
      await page.getByRole('button', { name: 'Azure Information Worksheet' }).click();
      await page.getByRole('tab', { name: new RegExp(`^Key holder ${h}`) }).click();
      await expect(page.locator(`#ws-h${h}-keyIdentifier`)).toHaveValue(keyVersionId);
      await w.shot('3f-worksheet-line2');

      // Sealed submission: see exactly what goes (secret masked), then seal and send.
      await page.getByRole('button', { name: 'Submission to the vendor' }).click();
      await page.getByRole('button', { name: 'Show what will be sent' }).click();
      const preview = page.getByTestId('cp-preview');
      await expect(preview).toContainText(vaultHost);
      await expect(preview).not.toContainText(app.clientSecret!);
      await w.shot('4-preview');
      await page.getByRole('button', { name: 'Seal and send' }).click();
      await expect(page.getByTestId('cp-result')).toHaveAttribute('data-validation', h === 1 ? 'waiting_for_other_holder' : 'validated');
      await w.shot('5-submitted');
    }

    // ---- the holders exchange their files before checking the status: each then has both submissions
    const holderFiles = { 1: await exportWorkstationFile(holders[1]), 2: await exportWorkstationFile(holders[2]) };
    await importWorkstationFile(holders[1], holderFiles[2], LABELS.holder2);
    await importWorkstationFile(holders[2], holderFiles[1], LABELS.holder1);

    // ---- the primary key is Available, on both holders' screens
    for (const h of [1, 2] as const) {
      const page = holders[h].page;
      await page.getByRole('button', { name: 'Primary key status' }).click();
      await page.getByRole('button', { name: 'Check now' }).click();
      await expect(page.getByTestId('cp-status')).toHaveAttribute('data-status', 'Available');
      await holders[h].shot('6-available');
    }

    // ---- holder 1's key is disabled in the rehearsal cloud: Key Store 1 Revoked
    await post(`${d.adminUrl}/keys/disable`, { vault: d.vaults.find((v) => v.tenantId === d.tenants[0]!.id)!.name, name: KEY_NAME });
    const p1 = holders[1].page;
    await p1.getByRole('button', { name: 'Check now' }).click();
    await expect(p1.getByTestId('cp-status')).toHaveAttribute('data-status', 'Key Store 1 Revoked');
    await expect(p1.getByTestId('cp-status')).toContainText('Key store 1');
    await holders[1].shot('7-key-store-1-revoked');
    const p2 = holders[2].page;
    await p2.getByRole('button', { name: 'Check now' }).click();
    await expect(p2.getByTestId('cp-status')).toHaveAttribute('data-status', 'Key Store 1 Revoked');
    await holders[2].shot('7-key-store-1-revoked');

    // ---- one ceremony across the three workstations: each closes, the files go round, each shows the same merged ceremony
    const finalHashes: string[] = [];
    for (const h of [1, 2] as const) {
      const page = holders[h].page;
      await page.getByRole('button', { name: 'Ceremony', exact: true }).click();
      await page.getByRole('button', { name: 'Close ceremony', exact: true }).click();
      await expect(page.getByTestId('ceremony-closed')).toContainText('Closed (completed)');
      // The control plane holds the final hash (POST /v1/ceremony-records): what the bundle is checked against.
      await expect(page.getByTestId('ceremony-record')).toContainText('The control plane recorded the final hash');
      finalHashes.push((await page.getByTestId('final-hash').textContent())!.replace(/\s/g, ''));
    }
    await importWorkstationFile(custodian, await exportWorkstationFile(holders[1]), LABELS.holder1);
    // One file still missing on the custodians' desk (never connected): the gap is said in words, with how to close it.
    const gapView = custodian.page.getByTestId('whole-ceremony');
    await expect(gapView.getByTestId('whole-gaps')).toContainText(`The transcript of workstation ${LABELS.holder2}`);
    await expect(gapView.getByTestId('whole-gaps')).toContainText('Import its file');
    await expect(gapView.getByTestId('whole-in-order')).toHaveCount(0);
    await expect(gapView.getByTestId('whole-workstations').locator('tbody tr[data-state="missing"]')).toContainText(LABELS.holder2);
    await expect(gapView.getByTestId('whole-control-plane')).toContainText('not connected to the vendor’s control plane');
    expect(await wcag22Violations(custodian.page, { include: 'main' })).toEqual([]);
    await custodian.shot('8a-whole-ceremony-gap');
    await importWorkstationFile(custodian, await exportWorkstationFile(holders[2]), LABELS.holder2);
    await custodian.page.getByRole('button', { name: 'Close ceremony', exact: true }).click();
    await expect(custodian.page.getByTestId('ceremony-closed')).toContainText('Closed (completed)');
    const bundle = path.join(root, 'bundle');
    fs.mkdirSync(bundle);
    const closedFiles: Record<string, string> = {};
    for (const w of everyone) {
      closedFiles[w.name] = await exportWorkstationFile(w);
      fs.copyFileSync(closedFiles[w.name]!, path.join(bundle, path.basename(closedFiles[w.name]!)));
    }
    for (const w of everyone) {
      for (const other of everyone) if (other !== w) await importWorkstationFile(w, closedFiles[other.name]!, LABELS[other.name as keyof typeof LABELS]);
      const whole = w.page.getByTestId('whole-ceremony');
      await expect(whole.getByTestId('whole-in-order')).toContainText('No deviation');
      await expect(whole.getByTestId('whole-gaps')).toHaveCount(0);
      await expect(whole.getByTestId('whole-deviations')).toHaveCount(0);
      await expect(whole.getByTestId('whole-conflicts')).toHaveCount(0);
      await expect(whole.getByTestId('whole-faults')).toHaveCount(0);
      await expect(whole.locator('[data-testid^="whole-step-"]:not([data-state="done"])')).toHaveCount(0);
      await expect(whole.getByTestId('whole-step-key-generated')).toContainText(`the custodians’ workstation (${LABELS.custodian})`);
      await expect(whole.getByTestId('whole-step-vault-imported:1')).toContainText(`key holder 1’s workstation (${LABELS.holder1})`);
      await expect(whole.getByTestId('whole-step-submitted:2')).toContainText(`key holder 2’s workstation (${LABELS.holder2})`);
      await expect(whole.getByTestId('whole-workstations').locator('tbody tr[data-state="merged"]')).toHaveCount(3);
      // The holders, connected, also exchanged their transcripts through the control plane (which pinned the one plan).
      if (w !== custodian) await expect(whole.getByTestId('whole-control-plane')).toContainText('Exchanged with the control plane');
      await w.shot('8-whole-ceremony');
    }

    // ---- the bundle of the three files: accepted with the control plane's final hashes; refused when one is tampered with or left out
    const anchors = finalHashes.flatMap((h) => ['--final-hash', h]);
    const accepted = await verifyCli([bundle, ...anchors]);
    expect(accepted.text).toContain('The whole ceremony');
    expect(accepted.code).toBe(0);
    const tampered = path.join(root, 'bundle-tampered');
    fs.cpSync(bundle, tampered, { recursive: true });
    const h1File = path.join(tampered, path.basename(closedFiles.holder1!));
    fs.writeFileSync(h1File, fs.readFileSync(h1File, 'utf8').replace('submission.receipt', 'submission.receipd'));
    const refused = await verifyCli([tampered, ...anchors]);
    expect(refused.text).toContain('was changed after it was exported');
    expect(refused.code).toBe(1);
    const leftOut = path.join(root, 'bundle-left-out');
    fs.cpSync(bundle, leftOut, { recursive: true });
    fs.rmSync(path.join(leftOut, path.basename(closedFiles.custodian!)));
    const incomplete = await verifyCli([leftOut, ...anchors]);
    expect(incomplete.text).toContain(`The transcript of workstation ${LABELS.custodian}`);
    expect(incomplete.code).toBe(5);

    // ---- the vendor's control plane goes away: holder 1's Ceremony screen still shows what is kept on the workstation
    // and says the vendor could not be reached. What the poller saw after the closing (the registration, the status)
    // opened no new ceremony: the closed one is still the one shown, and later observations go to the lifecycle record.
    await cloud.stop();
    cloud = null;
    const p1c = holders[1].page;
    await p1c.getByRole('button', { name: 'Overview' }).click();
    await p1c.getByRole('button', { name: 'Ceremony', exact: true }).click();
    const offline = p1c.getByTestId('whole-control-plane');
    await expect(offline).toContainText('were not fetched from the vendor’s control plane');
    await expect(offline).toContainText('The control plane could not be reached');
    await expect(offline.getByRole('button', { name: 'Try the control plane again' })).toBeVisible();
    await expect(p1c.getByTestId('whole-workstations')).toContainText(`${LABELS.holder1} (this workstation)`);
    await expect(p1c.getByTestId('ceremony-closed')).toContainText('Closed (completed)');
    await expect(p1c.getByTestId('final-hash')).toHaveText(/\S/);
    expect((await p1c.getByTestId('final-hash').textContent())!.replace(/\s/g, '')).toBe(finalHashes[0]);
    await expect(p1c.getByTestId('ceremony-after-close')).toContainText('key store lifecycle transcript');
    await holders[1].shot('9-control-plane-unreachable');

    for (const w of stations) expect(w.errors, `${w.name}'s page raised errors`).toEqual([]);
    agent.destroy();
  } finally {
    for (const w of stations) {
      await w.page.context().close();
      await w.bridge.close();
    }
    await signIn.close();
    await cloud?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
