/**
 * A key holder whose vendor keeps its key in AWS KMS (seed 002), in Chromium
 * against the rehearsal cloud's KMS and IAM Identity Center, through the
 * ceremony's screens in their order: choose AWS KMS in Settings (the menu
 * then lists the AWS worksheet and import, not Azure's); fill the AWS
 * worksheet (a China Region refused, the account saying where the key store
 * lives); make the 256-bit key and its escrow on the escrow screen; register
 * the key store's location with the vendor (played by the rehearsal); sign in
 * with Identity Center (the approval page opened as the system browser would)
 * and import the escrowed key through a supervised activation (keeper,
 * knower, supervisor), on the same parts as the Azure import: the holder says
 * which key holder they are (preselected once enrolled; the other holder is
 * warned), picks their copy (the bridge plays the file chooser; no typed
 * path), and a damaged key-store record is reported, not taken for "nothing
 * imported"; see the key policy diffed before applying it; submit
 * the key store to the vendor; the Ceremony screen shows every step in order,
 * none recorded out of order; then revoke (the participants' quorum and a
 * typed reason) and unrevoke, with the cache time shown as the lag.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test as base, expect, SCREENSHOT_DIR } from '../support/fixtures';
import { chooseHolderCopy, handover, join, participantPassphrase } from '../support/import';
import { enrolInPlan, importCast } from '../support/participants';
import { wcag22Violations } from '../support/axe';
import { restoreTurn, sealTurn } from '../support/escrow';
import { TEST_KDF } from '../../shared/escrow/kdf-profiles';

const COPY_PASSPHRASE = 'aws-holder-copy-violet-anchor-tundra-42';
const CUSTODIANS = { 'Carol Custodian': 'carol-escrow-quartz-meadow-lantern-17', 'Dan Custodian': 'dan-escrow-harbour-pepper-glacier-58' } as const;
const ACCOUNT_1 = '111122223333';
const LOCATION_1 = `arn:aws:kms:eu-west-2:${ACCOUNT_1}`;
const VENDOR_ROLE = 'arn:aws:iam::777788889999:role/vendor-kms-access';
const people = { operator: 'Olive Operator', supervisor: 'Sam Supervisor', keeper: 'Kim Keeper', knower: 'Noor Knower' };

interface Extra {
  approvals: { shots: number };
}

const test = base.extend<Extra>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
  approvals: async ({}, use) => use({ shots: 0 }),
  bridgeDeps: async ({ browser, approvals }, use) => {
    await use({
      deps: {
        escrowKdf: TEST_KDF,
        // The holder's "system browser": AWS's approval page in its own Chromium tab, where Alice allows access.
        openAwsApproval: async (url: string) => {
          const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
          const tab = await ctx.newPage();
          await tab.goto(url);
          await expect(tab.getByRole('heading', { name: 'Authorize request' })).toBeVisible();
          fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
          await tab.screenshot({ path: path.join(SCREENSHOT_DIR, `aws-kms-2-approval-page-${++approvals.shots}.png`) });
          await tab.getByLabel(/Alice/).check();
          await tab.getByRole('button', { name: 'Allow access' }).click();
          await expect(tab.getByRole('heading', { name: 'Request approved' })).toBeVisible();
          await ctx.close();
        },
      },
    });
  },
});

async function copied(page: Page, testId: string): Promise<string> {
  const row = page.getByTestId(testId);
  await row.getByRole('button', { name: 'Copy' }).click();
  await expect(row.getByRole('status')).toHaveText('Copied');
  return page.evaluate(() => navigator.clipboard.readText());
}

/** A calendar day N days from now, as a date field takes it. */
const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** The supervised activation's hand-over turns (operator, supervisor, keeper, knower, attestation), as the import and the lifecycle screen's re-import show them. */
async function supervisedTurns(page: Page): Promise<void> {
  await handover(page, 'the operator');
  await join(page, people.operator);
  await handover(page, 'the supervisor');
  await join(page, people.supervisor);
  await handover(page, 'the keeper');
  await join(page, people.keeper);
  await page.getByRole('button', { name: 'Present the sealed copy' }).click();
  await handover(page, 'the knower');
  await join(page, people.knower);
  await page.getByLabel('Passphrase of the sealed copy').fill(COPY_PASSPHRASE);
  await page.getByRole('button', { name: 'Open' }).click();
  await handover(page, 'the supervisor');
  await page.getByLabel('Your participant passphrase').fill(participantPassphrase(people.supervisor));
  await page.getByRole('button', { name: 'Sign the attestation' }).click();
  await handover(page, 'the operator');
  await page.getByRole('button', { name: /^Carry out:/ }).click();
}

async function open(page: Page, screen: string, heading: string): Promise<void> {
  await page.getByRole('button', { name: screen, exact: true }).click();
  await expect(page.getByRole('heading', { name: heading, exact: true })).toBeVisible();
}

test('a holder on AWS KMS goes through the screens in order: settings, AWS worksheet, escrow, registration, supervised import, key policy, submission, none out of order; then revokes and unrevokes with the cache time as the lag', async ({ page, bridge }) => {
  // One walk through the whole AWS ceremony, the lifecycle, a rotation's start and an expiry extension: three
  // supervised activations, each a few seconds of CPU, so more than the default two minutes on a loaded 2-core machine.
  test.setTimeout(300_000);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(bridge.url).origin });
  await enrolInPlan(page, importCast(people));

  // Settings: AWS KMS as the key store (a China Region is refused as it is typed).
  await open(page, 'Settings', 'Settings');
  const ks = page.getByTestId('settings-key-store');
  await ks.getByLabel('AWS KMS').check();
  await expect(page.getByTestId('keystore-rehearsal')).toContainText('rehearsal cloud’s IAM Identity Center');
  await page.getByTestId('keystore-region').fill('cn-north-1');
  await expect(ks).toContainText('does not support AWS China Regions');
  await expect(page.getByTestId('keystore-save')).toBeDisabled();
  await page.getByTestId('keystore-region').fill('eu-west-2');
  await page.getByTestId('keystore-startUrl').fill('https://d-1234567890.awsapps.com/start');
  await page.getByTestId('keystore-ssoRegion').fill('eu-west-2');
  await page.getByTestId('keystore-save').click();
  await bridge.screenshot('1-settings-key-store');
  await page.getByTestId('keystore-confirm').click();
  await expect(page.getByTestId('keystore-saved')).toContainText('AWS KMS');

  // The menu now lists the AWS worksheet and import, not Azure's; registration in the key store's words.
  const menu = page.getByRole('navigation', { name: 'Ceremony steps' });
  for (const listed of ['AWS worksheet', 'Import into AWS KMS', 'Key store registration']) await expect(menu.getByRole('button', { name: listed, exact: true })).toBeVisible();
  for (const gone of ['Azure Information Worksheet', 'Import into your vault', 'Vault registration', 'Credential rotation']) await expect(menu.getByRole('button', { name: gone, exact: true })).toHaveCount(0);
  await bridge.screenshot('1b-menu-aws');
  // Home's next action leads to the AWS worksheet.
  await open(page, 'Overview', 'Customer-managed key ceremony');
  await expect(page.getByTestId('home-checklist')).toContainText('AWS worksheet saved (holder 1)');
  // Nothing kept here for a holder yet (no AWS line, no import, no enrolment): the role waits, in AWS's words.
  await expect(page.getByTestId('home-role')).toContainText('Not chosen yet — key holders start with their own line of the AWS worksheet');
  await bridge.screenshot('1c-home-next-aws');
  await page.getByTestId('home-next').getByRole('button', { name: 'Go to AWS worksheet saved' }).click();
  await expect(page.getByRole('heading', { name: 'AWS worksheet', exact: true })).toBeVisible();

  // The AWS worksheet: holder 1's line with the vendor's role and the recommended cache time. A China key is refused;
  // Key Holder is to create the key, so the account ID says where the key store lives (what the vendor registers next).
  await page.getByTestId('aws-keyArn-1').fill('arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  await page.getByTestId('aws-vendorRoleArn-1').fill(VENDOR_ROLE);
  await page.getByTestId('aws-vendorRegion-1').fill('eu-west-1');
  await expect(page.getByTestId('aws-keyArn-problem-1')).toContainText('China');
  await expect(page.getByTestId('aws-cacheMinutes-1')).toHaveValue('5');
  await page.getByTestId('aws-keyArn-1').fill('');
  await page.getByTestId('aws-accountId-1').fill(ACCOUNT_1);
  await page.getByTestId('aws-accountId-1').blur();
  await expect(page.getByTestId('aws-location-1')).toContainText(LOCATION_1);
  await expect(page.getByTestId('aws-keyArn-problem-1')).toHaveCount(0);
  await bridge.screenshot('2-worksheet-location');
  // Home now knows the part from the AWS line saved here, before any enrolment (no client secret exists on AWS).
  await open(page, 'Overview', 'Customer-managed key ceremony');
  await expect(page.getByTestId('home-role')).toContainText('This workstation: Key holder 1');
  await expect(page.getByTestId('home-role')).not.toContainText('Not chosen yet');
  await bridge.screenshot('2a-home-role-aws');

  // The source key and its escrow: a 256-bit AES key (the settings choose AWS), two custodians, test-restored, holder 1's copy.
  await open(page, 'Source key and escrow', 'Source key and escrow');
  await expect(page.getByTestId('size-reason')).toContainText('256-bit AES key');
  await page.getByLabel('Purpose (printed on the restore sheet)').fill('Contoso AWS CMK rehearsal');
  await page.getByRole('button', { name: 'Generate the source key' }).click();
  await expect(page.getByTestId('key-panel')).toContainText('AES-256 for AWS KMS');
  const check = (await page.getByTestId('check-value').textContent())!;
  await page.getByLabel('Custodian 1', { exact: true }).fill('Carol Custodian');
  await page.getByLabel('Custodian 2', { exact: true }).fill('Dan Custodian');
  await page.getByRole('button', { name: 'Continue to passphrases' }).click();
  for (const [name, pass] of Object.entries(CUSTODIANS)) await sealTurn(page, name, pass);
  await page.getByRole('button', { name: 'Save files' }).click();
  await expect(page.getByTestId('files')).toContainText('.khescrow');
  for (const [name, pass] of Object.entries(CUSTODIANS)) await restoreTurn(page, name, pass);
  await expect(page.getByTestId('escrow-done')).toContainText(check);
  await page.getByLabel('Key holder', { exact: true }).fill('Key holder 1');
  await page.getByRole('button', { name: 'Make a copy' }).click();
  await sealTurn(page, 'Key holder 1', COPY_PASSPHRASE);
  await expect(page.getByTestId('holder-copies')).toContainText('holder-key-holder-1-');
  await bridge.screenshot('2b-escrow-aes');

  // Registration: the import is not yet possible ("Not yet", with a link); connect and register the key store's location.
  await open(page, 'Import into AWS KMS', 'Import your key into AWS KMS');
  // Not enrolled yet: no holder is guessed; the holder says which one they are, then the gate says what comes first.
  await expect(page.getByTestId('choose-holder')).toBeVisible();
  await page.getByLabel('Key holder 1', { exact: true }).check();
  const gate = page.getByTestId('step-gate');
  await expect(gate).toContainText('Not yet.');
  await expect(gate).toContainText('Key store registered with the vendor (holder 1)');
  await bridge.screenshot('2c-import-not-yet');
  await gate.getByRole('button', { name: 'go to Key store registration' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Register your key store with the vendor');
  const d = bridge.current.rehearsal!.cloud.descriptor;
  await page.getByLabel('Control plane address').fill(d.controlPlaneUrl);
  await page.getByLabel('Sealing key fingerprint (from the vendor’s message)').fill(d.controlPlaneFingerprint);
  await page.getByLabel('Enrolment token').fill(await copied(page, 'vendor-token'));
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByTestId('cp-connected')).toContainText('as key holder 1');
  const where = page.getByLabel('Your key store’s location (AWS worksheet)');
  await expect(where).toHaveValue(LOCATION_1);
  await page.getByRole('button', { name: 'Request registration' }).click();
  await expect(page.getByTestId('cp-registration')).toHaveAttribute('data-status', 'pending');
  await bridge.screenshot('2d-registration-pending');
  await page.getByRole('button', { name: 'Approve as the vendor' }).click();
  await expect(page.getByTestId('cp-registration')).toHaveAttribute('data-status', 'registered');
  await bridge.screenshot('2e-registered');

  // The key store's record was damaged meanwhile (changed outside Key Holder): the screen says which file, where the
  // copy is kept and what to do, instead of showing "nothing imported".
  const record = path.join(bridge.dataDir, 'aws-kms', 'key-store.json');
  fs.mkdirSync(path.dirname(record), { recursive: true });
  fs.writeFileSync(record, '{"state":"done","draft":{"holder":1,"accountId":"1111');
  // The expiry dashboard says it too: the material's expiry cannot be listed until the import runs again.
  await open(page, 'Expiry dates', 'Expiry dates');
  const expiryDamaged = page.getByTestId('expiry-aws-key-store-damaged');
  await expect(expiryDamaged).toContainText('The expiry of your AWS key material cannot be listed.');
  await expect(expiryDamaged).toContainText(`record of your AWS key store (${record}) was damaged (it is not valid JSON)`);
  await expect(expiryDamaged).toContainText('Run the import into AWS KMS again');
  await expect(page.getByTestId('expiry-worst')).toHaveText('Not known');
  // In the key store's words: the KMS key material, no vault, no client-secret dates.
  const expiryTitle = page.getByRole('heading', { name: 'Expiry dates' });
  await expect(expiryTitle.locator('xpath=following-sibling::p[1]')).toContainText('The expiry of the key material imported into your AWS KMS key');
  await expect(page.getByText('keeps the vendor able to reach your vault')).toHaveCount(0);
  await expect(page.getByTestId('expiry-source')).toHaveCount(0);
  await bridge.screenshot('2f-expiry-record-damaged');

  // Sign-in and import.
  await open(page, 'Import into AWS KMS', 'Import your key into AWS KMS');
  const damaged = page.getByTestId('aws-key-store-damaged');
  await expect(damaged).toContainText(`record of your AWS key store (${record}) was damaged (it is not valid JSON)`);
  await expect(damaged).toContainText('It was kept as');
  await expect(damaged).toContainText('Run the import into AWS KMS again');
  expect(fs.existsSync(record)).toBe(false);
  await bridge.screenshot('3-before-sign-in');
  await page.getByRole('button', { name: 'Sign in to AWS' }).click();
  await expect(page.getByTestId('aws-signed-in')).toBeVisible({ timeout: 30_000 });
  // Alice has two roles in her account: she picks the one that may import.
  await page.getByTestId('aws-role').selectOption({ label: 'Key holder 1 rehearsal account (111122223333): KeyHolderKmsAdmin' });
  await expect(page.getByTestId('aws-signed-in')).toContainText('KeyHolderKmsAdmin');
  // The same parts as the Azure import. Enrolled as key holder 1: preselected. The copy made here is proposed; another
  // file comes only from the file chooser, never a typed path.
  const start = page.getByRole('button', { name: 'Start the supervised import' });
  await expect(page.getByLabel('Key holder 1', { exact: true })).toBeChecked();
  await expect(page.getByTestId('choose-holder')).toHaveCount(0);
  const copyPath = page.getByTestId('holder-copy-path');
  await expect(copyPath).toHaveText(/holder-key-holder-1-[0-9a-f]{16}\.khescrow$/);
  await expect(page.getByRole('textbox', { name: /Key-holder copy/ })).toHaveCount(0);
  await expect(page.getByTestId('step-gate')).toHaveCount(0);
  await bridge.screenshot('4-signed-in-form');
  // A copy brought on other media, picked in the file chooser: kept in the draft, proposed again on return.
  const copyFile = path.join(bridge.dataDir, 'usb-stick', path.basename((await copyPath.textContent())!));
  fs.mkdirSync(path.dirname(copyFile), { recursive: true });
  fs.copyFileSync((await copyPath.textContent())!, copyFile);
  await chooseHolderCopy(page, copyFile);
  await open(page, 'Expiry dates', 'Expiry dates');
  await open(page, 'Import into AWS KMS', 'Import your key into AWS KMS');
  await expect(copyPath).toHaveText(copyFile);
  // Key holder 2 on key holder 1's workstation: warned, and the import waits for its own confirmation.
  await page.getByLabel('Key holder 2', { exact: true }).check();
  await expect(page.getByTestId('other-holder-warning')).toContainText('This workstation belongs to key holder 1');
  await expect(page.getByTestId('other-holder-warning')).toContainText('import into my own AWS account');
  await expect(start).toBeDisabled();
  await bridge.screenshot('4b-other-holder-warned');
  await page.getByLabel('Key holder 1', { exact: true }).check();
  await expect(page.getByTestId('other-holder-warning')).toHaveCount(0);
  await expect(start).toBeEnabled();
  // The material expires (tracked on the expiry dashboard; extended below from the Key store lifecycle screen).
  await page.getByLabel('expires on').check();
  await page.getByLabel('Material expires on').fill(day(60));
  await start.click();
  await supervisedTurns(page);
  const arn = page.getByTestId('aws-key-arn');
  await expect(arn).toHaveText(/^arn:aws:kms:eu-west-2:111122223333:key\/[0-9a-f-]{36}$/, { timeout: 60_000 });
  await expect(page.getByTestId('aws-self-test')).not.toContainText('FAILED');
  await expect(page.getByTestId('aws-material-proof')).toContainText('accepted the escrowed key');
  await expect(page.getByTestId('activation-wiped')).toBeVisible();
  expect(await page.content()).not.toContain(COPY_PASSPHRASE);
  // The import made a new record: the damaged one no longer stands for the key store's state.
  await expect(damaged).toHaveCount(0);
  await bridge.screenshot('5-imported');
  const keyArn = (await arn.textContent())!;

  // Back to the worksheet: the real key ARN, the Region advice; holder 2 in the same account is refused as a pair.
  await open(page, 'AWS worksheet', 'AWS worksheet');
  await page.getByTestId('aws-keyArn-1').fill(keyArn);
  await page.getByTestId('aws-keyArn-1').blur();
  await expect(page.getByTestId('aws-region-advice-1')).toContainText('The vendor recommends the same Region');
  await page.getByTestId('aws-keyArn-2').fill('arn:aws:kms:eu-west-2:111122223333:key/0000abcd-12ab-34cd-56ef-1234567890ab');
  await page.getByTestId('aws-vendorRoleArn-2').fill(VENDOR_ROLE);
  await page.getByTestId('aws-vendorRoleArn-2').blur();
  await expect(page.getByTestId('aws-pair-problem-2')).toContainText('same AWS account');
  await page.getByTestId('aws-keyArn-2').fill('arn:aws:kms:eu-west-2:444455556666:key/0000abcd-12ab-34cd-56ef-1234567890ab');
  await page.getByTestId('aws-keyArn-2').blur();
  await expect(page.getByTestId('aws-pair-problem-2')).toHaveCount(0);
  // The key policy: shown and diffed first, then applied.
  await page.getByRole('button', { name: 'Show what would change' }).click();
  const diff = page.getByTestId('aws-policy-diff');
  await expect(diff).toContainText(`grants ${VENDOR_ROLE}: kms:Decrypt, kms:DescribeKey, kms:Encrypt, kms:GenerateDataKey`);
  await expect(page.getByTestId('aws-companion-policy-diff')).toContainText(`grants ${VENDOR_ROLE}: kms:DescribeKey, kms:GenerateMac`);
  await page.getByRole('button', { name: 'Show the current and the proposed policy: Your key' }).click();
  await bridge.screenshot('6-worksheet-policy-diff');
  await page.getByRole('button', { name: 'Apply these key policies' }).click();
  await expect(page.getByTestId('aws-policy-applied')).toBeVisible();
  await expect(diff).toContainText('nothing changes');
  await expect(page.getByTestId('aws-companion-policy-diff')).toContainText('nothing changes');

  // Submission: the AWS key store's values (key ARN, companion, role, cache time; no secret), sealed to the vendor.
  await open(page, 'Submission to the vendor', 'Submit your key store to the vendor');
  await page.getByRole('button', { name: 'Show what will be sent' }).click();
  await expect(page.getByTestId('cp-preview')).toContainText(keyArn);
  await bridge.screenshot('6b-submission-preview');
  await page.getByRole('button', { name: 'Seal and send' }).click();
  await expect(page.getByTestId('cp-result')).toHaveAttribute('data-validation', 'waiting_for_other_holder');
  await bridge.screenshot('6c-submitted');
  // Primary key status: the vendor waits for key holder 2.
  await open(page, 'Primary key status', 'Primary key status');
  await page.getByRole('button', { name: 'Check now' }).click();
  await expect(page.getByTestId('cp-validation')).toContainText('Key holder 1 has submitted; key holder 2 has not');
  await bridge.screenshot('6c2-status-waiting');

  // The Ceremony screen: holder 1's steps done in the table's order, nothing recorded out of order.
  await open(page, 'Ceremony', 'Ceremony');
  for (const step of ['worksheet-saved:1', 'key-generated', 'escrow-written', 'escrow-test-restored', 'holder-copy-written:1', 'registered:1', 'activation-attested:1', 'vault-imported:1', 'submitted:1']) {
    await expect(page.getByTestId(`step-${step}`), step).toHaveAttribute('data-state', 'done');
  }
  await expect(page.getByTestId('step-registered:1')).toContainText('Key store registered with the vendor (holder 1)');
  await expect(page.getByTestId('ceremony-deviations')).toHaveCount(0);
  await expect(page.getByText('Recorded out of order')).toHaveCount(0);
  // The entries in AWS's words, never Azure's.
  const entries = page.getByTestId('ceremony-entries');
  for (const words of ['AWS worksheet saved', 'Key store registration confirmed by the vendor', 'Key imported into AWS KMS']) await expect(entries).toContainText(words);
  for (const words of ['Azure Information Worksheet saved', 'Key imported into the vault']) await expect(entries).not.toContainText(words);
  await bridge.screenshot('6d-ceremony-in-order');

  // Revoke: the other key store's state is unknown (no vendor here), so it is the last one: quorum and a typed reason.
  await open(page, 'Key store lifecycle', 'Key store lifecycle');
  const keyStore = page.getByTestId('lc-keystore');
  await expect(keyStore).toHaveAttribute('data-state', 'Available');
  // The key store in AWS's words: the KMS key in the holder's account and Region.
  await expect(keyStore).toContainText('in account 111122223333, eu-west-2) — The KMS key is enabled.');
  // Only the actions that fit an enabled key; the others shown disabled with the reason, the state they rest on in sight.
  await expect(page.getByTestId('lc-actions-state')).toContainText('Key store 1 is Available');
  await expect(page.getByTestId('lc-action-revoke')).toBeEnabled();
  await expect(page.getByTestId('lc-action-pull')).toBeEnabled();
  await expect(page.getByTestId('lc-action-unrevoke')).toBeDisabled();
  await expect(page.getByTestId('lc-action-unrevoke')).toHaveAccessibleDescription('The key is enabled: there is nothing to unrevoke.');
  await expect(page.getByTestId('lc-action-restore')).toBeDisabled();
  // Connected and submitted, the vendor waiting for key holder 2: not "not connected".
  await expect(page.getByTestId('lc-vendor-none')).toHaveCount(0);
  await expect(page.getByTestId('lc-vendor-waiting')).toContainText('Connected to the vendor’s control plane: key store 1 submitted, key store 2 not submitted yet.');
  await bridge.screenshot('7-lifecycle-available');
  await page.getByRole('button', { name: 'Revoke key store 1…', exact: true }).click();
  const form = page.getByRole('form', { name: 'Revoke confirmation' });
  await form.getByLabel(/Reason/).fill('Rehearsing the withdrawal of the AWS key');
  await form.getByRole('button', { name: 'Ask participants to approve' }).click();
  for (const who of [people.supervisor, people.keeper]) {
    await form.getByRole('combobox').selectOption({ label: who });
    await form.getByLabel('Participant passphrase').fill(participantPassphrase(who));
    await form.getByRole('button', { name: 'Sign the request' }).click();
    await expect(form.getByTestId('lc-quorum')).toContainText(`${who === people.supervisor ? 1 : 2} of 2 approvals`);
  }
  await form.getByLabel('Confirmation').fill((await form.getByTestId('lc-confirm-text').textContent())!);
  await bridge.screenshot('8-revoke-quorum-signed');
  await form.getByRole('button', { name: 'Revoke', exact: true }).click();
  await expect(keyStore).toHaveAttribute('data-state', 'Revoked');
  await expect(page.getByTestId('lc-lag')).toContainText('up to 5 minutes');
  await expect(page.getByTestId('lc-action-revoke')).toBeDisabled();
  await expect(page.getByTestId('lc-action-restore')).toBeDisabled();
  await expect(page.getByTestId('lc-action-pull')).toBeEnabled();
  // What to do says what is true: connected, the vendor waits for key store 2's submission (not "connect to the vendor").
  await expect(keyStore).toContainText('the vendor is connected but has no primary key yet: it waits for key store 2’s submission');
  await expect(keyStore).toContainText('Ask key holder 2 whether key store 2 is available and when they submit it to the vendor');
  await expect(keyStore).not.toContainText('connect to the vendor');
  await bridge.screenshot('9-revoked-lag');
  await page.getByRole('button', { name: 'Unrevoke key store 1…', exact: true }).click();
  const unrevoke = page.getByRole('form', { name: 'Unrevoke confirmation' });
  await unrevoke.getByLabel('Confirmation').fill((await unrevoke.getByTestId('lc-confirm-text').textContent())!);
  await unrevoke.getByRole('button', { name: 'Unrevoke', exact: true }).click();
  await expect(keyStore).toHaveAttribute('data-state', 'Available');
  await expect(page.getByTestId('lc-lag')).toContainText('up to 5 minutes');
  await bridge.screenshot('10-unrevoked');

  // The screen in AWS's words: the cache time as the lag, the key rotation as new KMS keys.
  await expect(page.getByTestId('lc-cache-time')).toContainText('caches data keys for 5 minutes');
  await page.getByRole('button', { name: 'Start a rotation' }).click();
  const rotation = page.getByTestId('key-rotation');
  await expect(rotation).toHaveAttribute('data-step', 'add-key');
  await expect(rotation).toHaveAttribute('data-key-store', 'aws-kms');
  await expect(rotation).toContainText('Imported into a new KMS key in your account, self-tested');
  await expect(rotation).toContainText('the companion keys’ MACs');
  await expect(rotation).not.toContainText('vault');
  await expect(rotation.getByRole('form', { name: 'Join a re-seal done on the other workstation' })).toBeVisible();
  await rotation.scrollIntoViewIfNeeded();
  await bridge.screenshot('11-key-rotation-aws');

  // Where the expiry reminder points: the material's expiry, extended under a supervised activation, the new date as KMS reports it.
  const expiry = page.getByTestId('key-material-expiry');
  await expect(page.getByTestId('kme-valid-to')).toContainText('expires on');
  const extend = expiry.getByRole('form', { name: 'Extend the expiry' });
  // The copy is chosen in the file chooser, as on the import screen: no typed path.
  await expect(extend.getByRole('textbox', { name: /key-holder copy/i })).toHaveCount(0);
  await chooseHolderCopy(page, copyFile, extend);
  await extend.getByLabel('New expiry date').fill(day(200));
  await extend.getByRole('button', { name: 'Extend the expiry' }).click();
  await supervisedTurns(page);
  await expect(page.getByTestId('kme-extended')).toContainText('AWS KMS now reports it expiring on', { timeout: 60_000 });
  expect(await page.content()).not.toContain(COPY_PASSPHRASE);
  await expiry.scrollIntoViewIfNeeded();
  await bridge.screenshot('12-key-material-extended');
  // The lifecycle screen's AWS parts (expiry card, rotation panel in KMS words) meet WCAG 2.2 AA as axe checks it.
  expect(await wcag22Violations(page)).toEqual([]);
  // The expiry dashboard follows: one row for the material, about 200 days left.
  await open(page, 'Expiry dates', 'Expiry dates');
  await expect(page.getByText(/Imported key material in AWS KMS/)).toBeVisible();
  await expect(page.getByText(/(199|200|201) days left/)).toBeVisible();
  await expect(page.getByTestId('expiry-source')).toHaveCount(0);
  await bridge.screenshot('13-expiry-aws-words');
});
