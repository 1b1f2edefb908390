/**
 * Accessibility of every screen: axe with the WCAG 2.2 rules (wcag2a, wcag2aa,
 * wcag21a, wcag21aa, wcag22aa) on the whole page (banner, menu and the screen)
 * for each screen in renderer/app/screens.ts and the views a holder opens
 * inside them, failing on any serious or critical violation. Choosing a screen
 * in the menu moves focus to its heading; saving keeps focus on the button
 * (never dropped to the page body); the unsaved-changes question takes focus
 * and gives it back.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '../support/fixtures';
import { EMPTY, HOLDER1 } from '../support/worksheet-values';
import { WCAG22 } from '../support/axe';
import { REPO_ROOT } from '../bridge/server';
import { menuScreens, screenTitle } from '../../renderer/app/screens';


async function seriousViolations(page: Page, where: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(WCAG22).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}


test('every screen: no serious or critical WCAG 2.2 violation, focus on the new screen’s heading', async ({ page, bridge }) => {
  // Every screen of both key stores' menus and four views, each analysed by axe: longer than one screen's spec.
  test.setTimeout(5 * 60_000);
  const saved = await bridge.call('worksheet:save', { holder1: { ...HOLDER1, secret: { action: 'set', value: 'xCGRvvvQmKfqwTw[@a@qovRN_Nn72K46' } }, holder2: { ...EMPTY, secret: { action: 'keep' } } });
  expect(saved.ok).toBe(true);
  await bridge.restart();
  const menu = page.getByRole('navigation', { name: 'Ceremony steps' });
  const h1 = page.getByRole('heading', { level: 1 });
  const found: string[] = [];
  const visit = async (id: string, title: string) => {
    await menu.getByRole('button', { name: title, exact: true }).click();
    await expect(h1).toBeVisible();
    await expect(h1).toBeFocused();
    await expect(page.getByText(/^(Loading|Reading)[^.]*…$/)).toHaveCount(0);
    await bridge.screenshot(id);
    found.push(...(await seriousViolations(page, id)));
  };
  // The menu lists the screens of the key store the settings choose: Azure Key Vault's first (the default)...
  const azure = menuScreens('azure-key-vault');
  for (const s of azure) await visit(s.id, screenTitle(s.id, 'azure-key-vault'));

  // Views inside screens: holder 2's worksheet tab and the printable worksheet.
  await menu.getByRole('button', { name: 'Azure Information Worksheet', exact: true }).click();
  await page.getByRole('tab', { name: /^Key holder 2/ }).click();
  await expect(page.locator('#ws-panel-2')).toBeVisible();
  found.push(...(await seriousViolations(page, 'worksheet, holder 2 tab')));
  await page.getByRole('button', { name: 'Printable view' }).click();
  await expect(h1).toHaveText('Azure Information Worksheet');
  // The button that opened the view is gone: focus is on the view's heading, not the page body.
  await expect(h1).toBeFocused();
  found.push(...(await seriousViolations(page, 'worksheet, printable view')));
  await bridge.screenshot('worksheet-print');
  await page.getByRole('button', { name: 'Back to the worksheet' }).click();

  // The escrow file inspector (opened from the file manager, not the menu).
  const file = path.join(bridge.current.dataDir, 'Contoso escrow.khescrow');
  copyFileSync(path.join(REPO_ROOT, 'docs/formats/vectors/fixtures/escrow-2of3.khescrow'), file);
  bridge.current.services.deps.emit('app:show', { screen: 'escrow-file', item: file });
  await expect(page.getByRole('heading', { name: 'Escrow file', level: 1 })).toBeFocused();
  await expect(page.getByTestId('escrow-file-summary')).toBeVisible();
  found.push(...(await seriousViolations(page, 'escrow-file')));

  // ...then AWS KMS's own screens, once the settings choose it.
  bridge.current.services.liveSettings.saveKeyStore({ provider: 'aws-kms', aws: { region: 'eu-west-2', signIn: { method: 'profile', profile: 'holder1' } } }, true);
  await bridge.restart();
  const awsOnly = menuScreens('aws-kms').filter((s) => !azure.includes(s));
  expect(awsOnly.map((s) => s.id)).toEqual(['aws-worksheet', 'aws-import']);
  for (const s of awsOnly) await visit(s.id, screenTitle(s.id, 'aws-kms'));

  expect(found).toEqual([]);
});

test('the escrow’s steps: custodians, hand-over, passphrase with its strength explanation', async ({ page, bridge }) => {
  const found: string[] = [];
  await page.getByRole('button', { name: 'Source key and escrow', exact: true }).click();
  await page.getByLabel(/RSA 2048/).check();
  await page.getByRole('button', { name: 'Generate the source key' }).click();
  await expect(page.getByTestId('check-value')).toBeVisible();
  // The Generate button is gone with its step: focus is on the screen's heading, not the page body.
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
  await page.getByLabel('Custodian 1', { exact: true }).fill('Alice Archer');
  await page.getByLabel('Custodian 2', { exact: true }).fill('Bob Baker');
  found.push(...(await seriousViolations(page, 'escrow, custodians')));
  await page.getByRole('button', { name: 'Continue to passphrases' }).click();
  await expect(page.getByTestId('handover')).toContainText('Hand the keyboard to Alice Archer');
  found.push(...(await seriousViolations(page, 'escrow, hand-over')));
  await page.getByRole('button', { name: 'I am Alice Archer: continue' }).click();
  await page.getByLabel('Choose a passphrase').fill('Summer2026!');
  await expect(page.getByTestId('strength-explanation')).toContainText('Not strong enough yet');
  found.push(...(await seriousViolations(page, 'escrow, passphrase')));
  await bridge.screenshot('escrow-passphrase');
  expect(found).toEqual([]);
});

test('saving keeps focus on Save; the unsaved-changes question takes focus and gives it back', async ({ page, bridge }) => {
  await page.getByRole('button', { name: 'Azure Information Worksheet', exact: true }).click();
  const vault = page.locator('#ws-h1-vaultHost');
  await vault.fill('holder1-keys.vault.azure.net');
  const save = page.getByRole('button', { name: 'Save worksheet' });
  await save.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('ws-result')).toContainText('Saved');
  // The button was disabled while saving; focus comes back to it instead of staying on the page body.
  await expect(save).toBeEnabled();
  await expect(save).toBeFocused();
  await bridge.screenshot('saved-focus');

  // Unsaved edits, then another screen from the menu: the question is a modal dialog with focus on its safe choice.
  await vault.fill('holder1-other.vault.azure.net');
  const settings = page.getByRole('navigation', { name: 'Ceremony steps' }).getByRole('button', { name: 'Settings', exact: true });
  await settings.click();
  const dialog = page.getByRole('alertdialog', { name: 'Unsaved changes' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Stay and save first' })).toBeFocused();
  expect(await seriousViolations(page, 'unsaved-changes question')).toEqual([]);
  await bridge.screenshot('leave-dialog');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(settings).toBeFocused();
});

test.describe('first start', () => {
  // Composed as Electron main does, so the first start asks rehearsal or the organisation's tenant.
  test.use({ bridgeDeps: { workstation: { env: {} } } });
  test('the first-run question: no serious or critical WCAG 2.2 violation', async ({ page, bridge }) => {
    await expect(page.getByTestId('first-run')).toBeVisible();
    expect(await seriousViolations(page, 'first-run')).toEqual([]);
    await bridge.screenshot('first-run');
  });
});
