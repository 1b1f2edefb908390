import { expect, type Page } from '@playwright/test';

/** Worksheet values the specs save through the bridge: holder 1 filled in as a holder would, holder 2 left empty. */
export const HOLDER1 = {
  vaultHost: 'holder1-keys.vault.azure.net',
  keyIdentifier: '',
  clientId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  keyName: 'contoso-cmek',
  secretCreatedOn: '',
  secretExpiresOn: '',
};
export const EMPTY = { vaultHost: '', keyIdentifier: '', clientId: '', tenantId: '', keyName: '', secretCreatedOn: '', secretExpiresOn: '' };

/** A day `offsetDays` from today, as the worksheet's date fields take it (YYYY-MM-DD). */
const worksheetDay = (offsetDays: number): string => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/**
 * Types holder 1's column on the worksheet screen as a holder would (the secret made today, valid a year) and saves
 * it; holder 2's column stays empty, so the screen answers that some fields are still empty.
 */
export async function saveHolderOneOnScreen(
  page: Page,
  v: { vaultHost: string; clientId: string; clientSecret: string; tenantId: string; keyName: string },
): Promise<void> {
  await page.getByRole('button', { name: 'Azure Information Worksheet' }).click();
  await page.getByRole('tab', { name: /^Key holder 1/ }).click();
  const fields = { ...v, secretCreatedOn: worksheetDay(0), secretExpiresOn: worksheetDay(365) };
  for (const [field, value] of Object.entries(fields)) await page.locator(`#ws-h1-${field}`).fill(value);
  await page.getByRole('button', { name: 'Save worksheet' }).click();
  await expect(page.getByTestId('ws-result')).toHaveText('Saved. Some fields are still empty.');
}
