/**
 * Two custodians escrow a fresh source key: generate, name the custodians,
 * each enters a passphrase in turn behind a hand-over screen, save, test-
 * restore from disk (a wrong passphrase first), print the sheet, make a
 * key-holder copy. Then a 2-of-3 quorum. The bridge uses the test KDF so the
 * spec stays quick; production parameters are covered by the unit tests.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '../support/fixtures';
import { TEST_KDF } from '../../shared/escrow/kdf-profiles';
import { restoreTurn, sealTurn } from '../support/escrow';
import { wcag22Violations } from '../support/axe';

test.use({ bridgeDeps: { deps: { escrowKdf: TEST_KDF } } });

const PASS = ['violet-anchor-tundra-mosaic-lantern', 'copper-whisper-glacier-orbit-meadow', 'saffron-quiver-basalt-harbor-ember'];


test('custodians escrow the source key, test-restore from disk, print the sheet and make a holder copy', async ({ page, bridge }) => {
  await page.getByRole('button', { name: 'Source key and escrow' }).click();
  await expect(page.getByRole('heading', { name: 'Source key and escrow', level: 1 })).toBeVisible();
  await expect(page.getByLabel(/RSA 3072/)).toBeChecked();
  await expect(page.getByTestId('size-reason')).toContainText('3072 bits is recommended');
  await bridge.screenshot('1-generate');
  await page.getByLabel(/RSA 2048/).check();
  await page.getByLabel('Purpose (printed on the restore sheet)').fill('Contoso iManage CMK 2026');
  await page.getByRole('button', { name: 'Generate the source key' }).click();

  await expect(page.getByTestId('check-value')).toHaveText(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
  const check = (await page.getByTestId('check-value').textContent())!;
  await page.getByLabel('Custodian 1', { exact: true }).fill('Alice Archer');
  await page.getByLabel('Custodian 2', { exact: true }).fill('Bob Baker');
  await expect(page.getByTestId('threshold-explanation')).toContainText('Any one custodian can restore alone');
  await bridge.screenshot('2-custodians');
  await page.getByRole('button', { name: 'Continue to passphrases' }).click();

  // Alice: a weak passphrase is explained and cannot be used.
  await page.getByRole('button', { name: 'I am Alice Archer: continue' }).click();
  await page.getByLabel('Choose a passphrase').fill('Summer2026!');
  await expect(page.getByTestId('strength-explanation')).toContainText('Not strong enough yet');
  await page.getByLabel('Type it again').fill('Summer2026!');
  await expect(page.getByRole('button', { name: 'Seal my share' })).toBeDisabled();
  await bridge.screenshot('3-weak-passphrase');
  await page.getByLabel('Choose a passphrase').fill(PASS[0]!);
  await page.getByLabel('Type it again').fill(PASS[0]!);
  await expect(page.getByTestId('strength-explanation')).toContainText('Strong enough');
  await bridge.screenshot('4-strong-passphrase');
  await page.getByRole('button', { name: 'Seal my share' }).click();

  // The screen is cleared for Bob: nothing Alice typed is on it.
  await expect(page.getByTestId('handover')).toContainText('Hand the keyboard to Bob Baker');
  expect(await page.locator('input[type=password], input[type=text]').count()).toBe(0);
  await bridge.screenshot('5-handover');
  await sealTurn(page, 'Bob Baker', PASS[1]!);

  await page.getByRole('button', { name: 'Save files' }).click();
  await expect(page.getByTestId('files')).toContainText('.khescrow');
  await expect(page.getByTestId('weakest')).toContainText('weakest file sets the strength');

  // Test-restore from disk: Alice first, then Bob mistypes, then gets it right.
  await restoreTurn(page, 'Alice Archer', PASS[0]!);
  await expect(page.getByTestId('restore-progress')).toContainText('opened from disk');
  await page.getByRole('button', { name: 'I am Bob Baker: continue' }).click();
  await page.getByLabel('Your passphrase').fill(PASS[0]!);
  await page.getByRole('button', { name: 'Test-restore' }).click();
  await expect(page.getByRole('alert')).toContainText("This passphrase does not open custodian Bob Baker's share");
  await bridge.screenshot('6-wrong-passphrase');
  // The throttle asks Bob to wait a moment before the next attempt.
  await page.waitForTimeout(1100);
  await page.getByLabel('Your passphrase').fill(PASS[1]!);
  await page.getByRole('button', { name: 'Test-restore' }).click();
  await expect(page.getByTestId('escrow-done')).toContainText(check);
  await bridge.screenshot('7-done');

  const folder = readdirSync(path.join(bridge.dataDir, 'ceremony', 'escrow'));
  expect(folder).toHaveLength(1);
  const dir = path.join(bridge.dataDir, 'ceremony', 'escrow', folder[0]!);
  const receipt = JSON.parse(readFileSync(path.join(dir, 'restore-receipt.json'), 'utf8'));
  expect(receipt.verified.map((v: { name: string; pem: boolean }) => [v.name, v.pem])).toEqual([['Alice Archer', true], ['Bob Baker', true]]);
  expect(readdirSync(dir).filter((f) => f.endsWith('.pem'))).toHaveLength(2);

  // The page never saw key material: nothing PEM-like or base64-DER-like in the DOM.
  const html = await page.content();
  expect(html).not.toMatch(/BEGIN|PRIVATE KEY|MII[A-Za-z0-9+/]{40}/);

  await page.getByRole('button', { name: 'Print the instruction sheet' }).click();
  await expect(page.getByTestId('restore-sheet')).toContainText(folder[0]!);
  await expect(page.getByTestId('restore-sheet')).toContainText('openssl pkey -in');
  await page.emulateMedia({ media: 'print' });
  await bridge.screenshot('8-restore-sheet-print');
  await page.emulateMedia({ media: 'screen' });
  await page.getByRole('button', { name: 'Back' }).click();

  await page.getByLabel('Key holder', { exact: true }).fill('Key holder 1 - Jane');
  await page.getByRole('button', { name: 'Make a copy' }).click();
  // The copy's passphrase is typed at the import by its knower, not by the holder who keeps the copy (issue 14).
  await expect(page.getByTestId('handover')).toContainText('Whoever you choose as its knower types it when the copy is imported into your vault');
  await expect(page.getByTestId('handover')).not.toContainText('type it again');
  await sealTurn(page, 'Key holder 1 - Jane', PASS[2]!);
  await expect(page.getByTestId('holder-copies')).toContainText('holder-key-holder-1-jane-');
  await bridge.screenshot('9-holder-copy');
  const copy = readdirSync(dir).find((f) => f.startsWith('holder-key-holder-1-jane-'));
  expect(copy && existsSync(path.join(dir, copy))).toBeTruthy();

  expect(await wcag22Violations(page, { include: 'main' })).toEqual([]);
});

test('2-of-3 quorum: no single-passphrase file, restore needs two custodians', async ({ page, bridge }) => {
  await page.getByRole('button', { name: 'Source key and escrow' }).click();
  await page.getByLabel(/RSA 2048/).check();
  await page.getByRole('button', { name: 'Generate the source key' }).click();
  await page.getByLabel('Custodian 1', { exact: true }).fill('Ann');
  await page.getByLabel('Custodian 2', { exact: true }).fill('Ben');
  await page.getByRole('button', { name: 'Add a custodian' }).click();
  await page.getByLabel('Custodian 3', { exact: true }).fill('Cy');
  await page.getByLabel('Custodians needed to restore').selectOption('2');
  await expect(page.getByTestId('threshold-explanation')).toContainText('No single-passphrase OpenSSL file');
  await page.getByRole('button', { name: 'Continue to passphrases' }).click();
  for (const [i, n] of ['Ann', 'Ben', 'Cy'].entries()) await sealTurn(page, n, PASS[i]!);
  await page.getByRole('button', { name: 'Save files' }).click();
  // Leaving the screen and coming back resumes the open ceremony.
  await page.getByRole('button', { name: 'Overview' }).click();
  await page.getByRole('button', { name: 'Source key and escrow' }).click();
  await expect(page.getByRole('heading', { name: 'Test-restore from disk' })).toBeVisible();
  await restoreTurn(page, 'Ann', PASS[0]!);
  await expect(page.getByText('1 of 2 done.')).toBeVisible();
  await expect(page.getByTestId('escrow-done')).toHaveCount(0);
  await bridge.screenshot('quorum-1-of-2');
  await restoreTurn(page, 'Ben', PASS[1]!);
  await expect(page.getByTestId('escrow-done')).toBeVisible();
  await page.getByRole('button', { name: 'Print the instruction sheet' }).click();
  await expect(page.getByTestId('restore-sheet')).toContainText('No single passphrase opens this key');
  await bridge.screenshot('quorum-sheet');
  const dir = path.join(bridge.dataDir, 'ceremony', 'escrow');
  const key = readdirSync(dir)[0]!;
  expect(readdirSync(path.join(dir, key)).filter((f) => f.endsWith('.pem'))).toEqual([]);
});
