/**
 * Supervised activation on one workstation: keeper, knower and supervisor
 * take the keyboard in turn behind hand-over screens (split knowledge), then
 * a 2-of-3 quorum of custodians. The escrow files are made here with the
 * test KDF; the bridge uses the test KDF for participant keys too.
 */
import crypto from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect, SCREENSHOT_DIR, type Page } from '../support/fixtures';
import { TEST_KDF } from '../../shared/escrow/kdf-profiles';
import { serializeEscrow } from '../../shared/escrow/format';
import { sealKey } from '../../electron/services/escrow/seal';
import { enrolInPlan } from '../support/participants';

test.use({ bridgeDeps: { deps: { escrowKdf: TEST_KDF } } });

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const meta = () => ({ keyId: crypto.randomUUID(), purpose: 'e2e', created: new Date('2026-11-27T10:00:00Z') });
const PASS = ['violet-anchor-tundra-mosaic-lantern', 'copper-whisper-glacier-orbit-meadow', 'saffron-quiver-basalt-harbor-ember'];

async function handover(page: Page, who: string) {
  await expect(page.getByTestId('handover')).toContainText(`Hand the keyboard to ${who}`);
  await page.getByRole('button', { name: /^I am .*: continue$/ }).click();
}

async function join(page: Page, name: string) {
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Your participant passphrase').fill(`${name} signing passphrase`);
  await page.getByRole('button', { name: 'Join' }).click();
}

test('split knowledge: keeper, knower and supervisor in turn; the key opens only after the signed attestation', async ({ page, bridge }) => {
  const copy = path.join(bridge.dataDir, 'holder-1.khcopy');
  writeFileSync(copy, serializeEscrow(await sealKey(rsa, meta(), [{ name: 'Holder One', passphrase: PASS[0]! }], 1, TEST_KDF)));

  // Before the ceremony: everyone enrolled in the plan, in front of the supervisor. A weak passphrase is refused.
  await page.getByRole('button', { name: 'Supervised activation' }).click();
  const plan = page.getByTestId('ceremony-plan');
  await bridge.screenshot('split-0-plan-empty');
  await plan.getByLabel('Full name').fill('Mallory Walk-in');
  await plan.getByRole('checkbox', { name: /^Supervisor/ }).check();
  await plan.getByLabel('Choose a participant passphrase').fill('aaaaaaaaaaaa');
  await plan.getByLabel('Type it again').fill('aaaaaaaaaaaa');
  await plan.getByRole('button', { name: 'Enrol' }).click();
  await expect(plan.getByTestId('plan-error')).toContainText('not strong enough');
  await plan.getByRole('checkbox', { name: /^Supervisor/ }).uncheck();
  await enrolInPlan(page, [
    { name: 'Olive Operator', roles: ['operator'] },
    { name: 'Sam Supervisor', roles: ['supervisor'] },
    { name: 'Kim Keeper', roles: ['keeper'] },
    { name: 'Noor Knower', roles: ['knower'] },
  ]);
  await expect(plan.getByRole('list', { name: 'Planned participants' })).not.toContainText('Mallory');
  await bridge.screenshot('split-0-plan-enrolled');
  await page.getByLabel('Sealed copy (holder copy file)').fill(copy);
  await page.getByLabel('What it is for (recorded in the transcript)').fill('Restore check of holder 1 copy');
  await bridge.screenshot('split-1-start');
  await page.getByRole('button', { name: 'Start the activation' }).click();

  await handover(page, 'the operator');
  await join(page, 'Olive Operator');
  await handover(page, 'the supervisor');
  await bridge.screenshot('split-2-handover-supervisor');
  await join(page, 'Sam Supervisor');

  await handover(page, 'the keeper');
  // The supervisor cannot also be the keeper, whatever the spelling.
  await page.getByLabel('Your name').fill('  sam SUPERVISOR');
  await page.getByLabel('Your participant passphrase').fill('Sam Supervisor signing passphrase');
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.getByTestId('activation-error')).toContainText('Each role needs a different person');
  await join(page, 'Kim Keeper');
  await expect(page.getByTestId('copy-fingerprint')).toBeVisible();
  await bridge.screenshot('split-3-keeper-presents');
  await page.getByRole('button', { name: 'Present the sealed copy' }).click();

  await handover(page, 'the knower');
  await join(page, 'Noor Knower');
  await page.getByLabel('Passphrase of the sealed copy').fill(PASS[1]!);
  await page.getByRole('button', { name: 'Open' }).click();
  await expect(page.getByTestId('activation-error')).toContainText('does not open');
  await page.getByLabel('Passphrase of the sealed copy').fill(PASS[0]!);
  await page.getByRole('button', { name: 'Open' }).click();
  await expect(page.getByTestId('check-value')).toHaveText(/^[0-9A-F]{3} [0-9A-F]{3}/);

  await handover(page, 'the supervisor');
  await expect(page.getByRole('heading', { name: 'Supervisor: attest what you witnessed' })).toBeVisible();
  await bridge.screenshot('split-4-attest');
  await page.getByLabel('Your participant passphrase').fill('Sam Supervisor signing passphrase');
  await page.getByRole('button', { name: 'Sign the attestation' }).click();

  await handover(page, 'the operator');
  await page.getByRole('button', { name: /^Carry out:/ }).click();
  await expect(page.getByTestId('activation-finished')).toContainText('Activation finished');
  const fp = crypto.createHash('sha256').update(crypto.createPublicKey(rsa).export({ type: 'spki', format: 'der' })).digest('hex');
  await expect(page.getByTestId('activation-finished')).toContainText(fp);
  await bridge.screenshot('split-5-finished');

  const transcriptFile = (await page.getByTestId('activation-finished').locator('code').textContent())!;
  const text = readFileSync(transcriptFile, 'utf8');
  expect(text).toContain('"activation.attested"');
  expect(text).toContain('"activation.completed"');
  for (const secret of PASS) expect(text).not.toContain(secret);
  expect(text).not.toContain('signing passphrase');
});

test('quorum: two of three custodians enter their components in turn; one is not enough', async ({ page, bridge }) => {
  const names = ['Alice Archer', 'Bob Baker', 'Chen Cho'];
  const escrow = path.join(bridge.dataDir, 'escrow.khescrow');
  writeFileSync(escrow, serializeEscrow(await sealKey(rsa, meta(), names.map((name, i) => ({ name, passphrase: PASS[i]! })), 2, TEST_KDF)));

  await enrolInPlan(page, [{ name: 'Olive Operator', roles: ['operator'] }, { name: 'Sam Supervisor', roles: ['supervisor'] }, ...names.map((name) => ({ name, roles: ['keeper' as const] }))]);
  await page.getByLabel(/Quorum/).check();
  await page.getByLabel('Escrow file').fill(escrow);
  await page.getByLabel('What it is for (recorded in the transcript)').fill('Restore check 2-of-3');
  await page.getByRole('button', { name: 'Start the activation' }).click();
  await handover(page, 'the operator');
  await join(page, 'Olive Operator');
  await handover(page, 'the supervisor');
  await join(page, 'Sam Supervisor');

  for (const [i, name] of [[2, 'Chen Cho'], [0, 'Alice Archer']] as const) {
    await handover(page, 'the next custodian');
    await page.getByLabel('Which custodian are you?').selectOption({ label: name });
    await join(page, name);
    await page.getByLabel('Your component passphrase').fill(PASS[i]!);
    await page.getByRole('button', { name: 'Enter my component' }).click();
    if (i === 2) {
      await expect(page.getByTestId('quorum-count')).toHaveText('1 of 2 components entered');
      await bridge.screenshot('quorum-1-one-of-two');
    }
  }
  await expect(page.getByTestId('check-value')).toHaveCount(2);
  await handover(page, 'the supervisor');
  await page.getByLabel('Your participant passphrase').fill('Sam Supervisor signing passphrase');
  await page.getByRole('button', { name: 'Sign the attestation' }).click();
  await handover(page, 'the operator');
  await page.getByRole('button', { name: /^Carry out:/ }).click();
  await expect(page.getByTestId('activation-finished')).toContainText('Activation finished');
  await bridge.screenshot('quorum-2-finished');
});

test('two workstations: a custodian seals their component to the one-time request; a replay is refused', async ({ page, bridge }) => {
  const names = ['Alice Archer', 'Bob Baker', 'Chen Cho'];
  const escrow = path.join(bridge.dataDir, 'escrow-2ws.khescrow');
  writeFileSync(escrow, serializeEscrow(await sealKey(rsa, meta(), names.map((name, i) => ({ name, passphrase: PASS[i]! })), 2, TEST_KDF)));

  // One data folder stands for both workstations here, so one plan (and one ceremony key) serves both.
  await enrolInPlan(page, [{ name: 'Olive Operator', roles: ['operator'] }, { name: 'Sam Supervisor', roles: ['supervisor'] }, ...names.map((name) => ({ name, roles: ['keeper' as const] }))]);
  await page.getByLabel(/Quorum/).check();
  await page.getByLabel('Escrow file').fill(escrow);
  await page.getByLabel('What it is for (recorded in the transcript)').fill('Restore check across two workstations');
  await page.getByRole('button', { name: 'Start the activation' }).click();
  await handover(page, 'the operator');
  await join(page, 'Olive Operator');
  await handover(page, 'the supervisor');
  await join(page, 'Sam Supervisor');
  await handover(page, 'the next custodian');
  await page.getByRole('button', { name: 'The custodian is at another workstation' }).click();
  await expect(page.locator('.act-qr svg')).toBeVisible();
  const offer = (await page.getByTestId('offer-text').inputValue())!;
  const offerFingerprint = (await page.getByTestId('offer-fingerprint').textContent())!;
  expect(offerFingerprint).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
  await bridge.screenshot('remote-1-request');

  // Bob's own workstation (here: a second window of the app).
  const remote = await page.context().newPage();
  await remote.goto(bridge.url);
  await remote.getByRole('button', { name: 'Supervised activation' }).click();
  await remote.getByRole('button', { name: /Seal your component for it/ }).click();
  await remote.getByLabel('Request from the activating workstation').fill(offer);
  await remote.getByLabel('Escrow file').fill(escrow);
  await remote.getByLabel('Your custodian number (on your sheet)').fill('2');
  await remote.getByLabel('Your component passphrase').fill(PASS[1]!);
  await remote.getByLabel('Your name').fill('Bob Baker');
  await remote.getByLabel('Your participant passphrase').fill('Bob Baker signing passphrase');
  // Someone swapped the request's public key on the way: refused, nothing sealed.
  const swapped = JSON.stringify({ ...JSON.parse(offer), publicKey: Buffer.alloc(32, 7).toString('base64url') });
  await remote.getByLabel('Request from the activating workstation').fill(swapped);
  await remote.getByRole('button', { name: 'Seal my component' }).click();
  await expect(remote.getByRole('alert')).toContainText('changed after the activating workstation signed it');
  await remote.screenshot({ path: path.join(SCREENSHOT_DIR, 'activation-remote-1b-swapped-request-refused.png'), fullPage: true });
  await remote.getByLabel('Request from the activating workstation').fill(offer);
  await remote.getByRole('button', { name: 'Seal my component' }).click();
  const sealed = await remote.getByTestId('sealed-text').inputValue();
  expect(sealed).not.toContain(PASS[1]!);
  // Both screens show the same request fingerprint, read aloud.
  await expect(remote.getByTestId('sealed-offer-fingerprint')).toHaveText(offerFingerprint);
  await expect(remote.getByTestId('remote-sealed')).not.toContainText('can be opened only by the activation that made the request');
  await remote.screenshot({ path: path.join(SCREENSHOT_DIR, 'activation-remote-2-sealed-on-other-workstation.png'), fullPage: true });
  await remote.close();

  // Carried as a file this time.
  await page.getByLabel('…or load it from a file').setInputFiles({ name: 'bob.khsealed', mimeType: 'application/json', buffer: Buffer.from(sealed) });
  await expect(page.getByLabel('Sealed component from their workstation')).toHaveValue(sealed);
  await page.getByRole('button', { name: 'Receive the sealed component' }).click();
  await expect(page.getByTestId('quorum-count')).toHaveText('1 of 2 components entered');

  await handover(page, 'the next custodian');
  await page.getByRole('button', { name: 'The custodian is at another workstation' }).click();
  await page.getByLabel('Sealed component from their workstation').fill(sealed);
  await page.getByRole('button', { name: 'Receive the sealed component' }).click();
  await expect(page.getByTestId('activation-error')).toContainText('replayed');

  await page.getByLabel('Which custodian are you?').selectOption({ label: 'Alice Archer' });
  await join(page, 'Alice Archer');
  await page.getByLabel('Your component passphrase').fill(PASS[0]!);
  await page.getByRole('button', { name: 'Enter my component' }).click();
  await handover(page, 'the supervisor');
  await page.getByLabel('Your participant passphrase').fill('Sam Supervisor signing passphrase');
  await page.getByRole('button', { name: 'Sign the attestation' }).click();
  await handover(page, 'the operator');
  await page.getByRole('button', { name: /^Carry out:/ }).click();
  await expect(page.getByTestId('activation-finished')).toContainText('Activation finished');
  await bridge.screenshot('remote-3-finished');
});
