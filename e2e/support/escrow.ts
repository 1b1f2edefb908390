/** Custodian turns on the escrow screen's hand-over, shared by the escrow and whole-ceremony specs. */
import { expect, type Page } from '@playwright/test';

/** A custodian (or holder) takes the keyboard and seals their share or copy under a new passphrase. */
export async function sealTurn(page: Page, name: string, passphrase: string): Promise<void> {
  await expect(page.getByTestId('handover')).toContainText(`Hand the keyboard to ${name}`);
  await page.getByRole('button', { name: `I am ${name}: continue` }).click();
  await page.getByLabel('Choose a passphrase').fill(passphrase);
  await expect(page.getByTestId('strength-explanation')).toContainText('Strong enough');
  await page.getByLabel('Type it again').fill(passphrase);
  await page.getByRole('button', { name: /Seal my share|Make my copy/ }).click();
}

/** A custodian takes the keyboard and test-restores the file written on disk with their passphrase. */
export async function restoreTurn(page: Page, name: string, passphrase: string): Promise<void> {
  await expect(page.getByTestId('handover')).toContainText(`Hand the keyboard to ${name}`);
  await page.getByRole('button', { name: `I am ${name}: continue` }).click();
  await page.getByLabel('Your passphrase').fill(passphrase);
  await page.getByRole('button', { name: 'Test-restore' }).click();
}
