/**
 * A key holder whose vendor keeps its key in AWS KMS (seed 002), in Chromium
 * against the rehearsal cloud's KMS and IAM Identity Center: choose AWS KMS
 * in Settings; fill the AWS worksheet (a China Region refused, the Region
 * advice shown); sign in with Identity Center (the approval page opened as
 * the system browser would, the code compared and allowed); import the
 * escrowed 256-bit key through a supervised activation (keeper, knower,
 * supervisor), on the same parts as the Azure import: the holder says which
 * key holder they are, picks their copy in the file chooser (the bridge plays
 * the dialog; no typed path), and a damaged key-store record left by an
 * earlier run is reported, not taken for "nothing imported"; see the key
 * policy diffed before applying it; then revoke
 * (the other key store unknown: the participants' quorum and a typed
 * reason) and unrevoke, with the cache time shown as the lag.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { test as base, expect, SCREENSHOT_DIR } from '../support/fixtures';
import { chooseHolderCopy, handover, join, participantPassphrase } from '../support/import';
import { enrolInPlan, importCast } from '../support/participants';
import { TEST_KDF } from '../../shared/escrow/kdf-profiles';
import { serializeEscrow } from '../../shared/escrow/format';
import { sealKey } from '../../electron/services/escrow/seal';
import { generateSymmetricKey } from '../../electron/services/keys/symmetric-key';

const COPY_PASSPHRASE = 'aws-holder-copy-violet-anchor-tundra-42';
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

/** The holder's copy of the AWS key, brought on removable media (not among the copies this workstation made): a rehearsal key, 1 of 1. */
async function awsHolderCopy(dir: string): Promise<string> {
  const key = generateSymmetricKey();
  const file = await sealKey(key.secretKey, { keyId: key.keyId, purpose: 'AWS KMS imported material', created: new Date(), environment: 'rehearsal' }, [{ name: 'Key holder 1', passphrase: COPY_PASSPHRASE }], 1, TEST_KDF);
  const media = path.join(dir, `removable-${crypto.randomUUID()}`);
  fs.mkdirSync(media, { recursive: true });
  const out = path.join(media, `holder-key-holder-1-${key.identity.fingerprint.slice(0, 8)}.khescrow`);
  fs.writeFileSync(out, serializeEscrow(file));
  return out;
}

async function open(page: Page, screen: string, heading: string): Promise<void> {
  await page.getByRole('button', { name: screen, exact: true }).click();
  await expect(page.getByRole('heading', { name: heading, exact: true })).toBeVisible();
}

test('a holder chooses AWS KMS, fills the AWS worksheet, signs in with Identity Center, imports under supervision, applies the key policy seen first, then revokes and unrevokes with the cache time as the lag', async ({ page, bridge }) => {
  const copyFile = await awsHolderCopy(path.dirname(bridge.dataDir));
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

  // The AWS worksheet: holder 1's line with the vendor's role and the recommended cache time; holder 2 in another account.
  await open(page, 'AWS worksheet', 'AWS worksheet');
  await page.getByTestId('aws-keyArn-1').fill('arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  await page.getByTestId('aws-vendorRoleArn-1').fill(VENDOR_ROLE);
  await page.getByTestId('aws-vendorRegion-1').fill('eu-west-1');
  await expect(page.getByTestId('aws-keyArn-problem-1')).toContainText('China');
  await expect(page.getByTestId('aws-cacheMinutes-1')).toHaveValue('5');

  // An earlier run left the key store's record damaged: the screen says so (which file, where the copy is, what to do).
  const record = path.join(bridge.dataDir, 'aws-kms', 'key-store.json');
  fs.mkdirSync(path.dirname(record), { recursive: true });
  fs.writeFileSync(record, '{"state":"done","draft":{"holder":1,"accountId":"1111');

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
  // The same parts as the Azure import: no holder guessed (this workstation is not enrolled yet), no typed path.
  const start = page.getByRole('button', { name: 'Start the supervised import' });
  await expect(page.getByTestId('choose-holder')).toBeVisible();
  await expect(page.getByTestId('holder-copy-path')).toHaveText('');
  await expect(page.getByRole('textbox', { name: /Key-holder copy/ })).toHaveCount(0);
  await expect(start).toBeDisabled();
  await bridge.screenshot('4-signed-in-form');

  // The vendor enrols this workstation as key holder 1 and registers its key store's location (the rehearsal plays
  // the vendor; the Registration screen itself is registration.spec's): the import's step gate opens.
  const vendor = await bridge.call('rehearsal-vendor:values', {});
  if (!vendor.ok || !vendor.value.available) throw new Error('the rehearsal vendor has no values');
  const cp = vendor.value.controlPlane;
  expect((await bridge.call('control-plane:connect', { baseUrl: cp.baseUrl, expectedFingerprint: cp.fingerprint, enrolmentToken: cp.enrolmentToken })).ok).toBe(true);
  expect((await bridge.call('control-plane:register', { vaultDnsName: 'arn:aws:kms:eu-west-2:111122223333' })).ok).toBe(true);
  expect((await bridge.call('rehearsal-vendor:approve-registration', {})).ok).toBe(true);
  await open(page, 'AWS worksheet', 'AWS worksheet');
  await open(page, 'Import into AWS KMS', 'Import your key into AWS KMS');

  // Enrolled as key holder 1: that holder is preselected; choosing key holder 2 is warned and needs its own confirmation.
  await expect(page.getByLabel('Key holder 1', { exact: true })).toBeChecked();
  await expect(page.getByTestId('choose-holder')).toHaveCount(0);
  await chooseHolderCopy(page, copyFile);
  await page.getByLabel('Key holder 2', { exact: true }).check();
  await expect(page.getByTestId('other-holder-warning')).toContainText('This workstation belongs to key holder 1');
  await expect(page.getByTestId('other-holder-warning')).toContainText('import into my own AWS account');
  await expect(start).toBeDisabled();
  await bridge.screenshot('4b-other-holder-warned');
  await page.getByLabel('Key holder 1', { exact: true }).check();
  await expect(page.getByTestId('other-holder-warning')).toHaveCount(0);
  await expect(start).toBeEnabled();
  await bridge.screenshot('4c-holder-and-copy-chosen');
  await start.click();
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
  const arn = page.getByTestId('aws-key-arn');
  await expect(arn).toHaveText(/^arn:aws:kms:eu-west-2:111122223333:key\/[0-9a-f-]{36}$/, { timeout: 60_000 });
  await expect(page.getByTestId('aws-self-test')).not.toContainText('FAILED');
  await expect(page.getByTestId('aws-material-proof')).toContainText('accepted the escrowed key');
  await expect(page.getByTestId('activation-wiped')).toBeVisible();
  expect(await page.content()).not.toContain(COPY_PASSPHRASE);
  // The import made a new record: the damaged one is no longer the key store's state.
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

  // Revoke: the other key store's state is unknown (no vendor here), so it is the last one: quorum and a typed reason.
  await open(page, 'Key store lifecycle', 'Key store lifecycle');
  const keyStore = page.getByTestId('lc-keystore');
  await expect(keyStore).toHaveAttribute('data-state', 'Available');
  await expect(keyStore).toContainText('in arn:aws:kms:eu-west-2:111122223333) — The KMS key is enabled.');
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
  await bridge.screenshot('9-revoked-lag');
  await page.getByRole('button', { name: 'Unrevoke key store 1…', exact: true }).click();
  const unrevoke = page.getByRole('form', { name: 'Unrevoke confirmation' });
  await unrevoke.getByLabel('Confirmation').fill((await unrevoke.getByTestId('lc-confirm-text').textContent())!);
  await unrevoke.getByRole('button', { name: 'Unrevoke', exact: true }).click();
  await expect(keyStore).toHaveAttribute('data-state', 'Available');
  await expect(page.getByTestId('lc-lag')).toContainText('up to 5 minutes');
  await bridge.screenshot('10-unrevoked');
});
