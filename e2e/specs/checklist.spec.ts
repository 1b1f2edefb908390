/**
 * The home screen's checklist, printable per part of the ceremony (key holder
 * 1, key holder 2, the escrow custodians, the supervisor): a box per step,
 * ticked when the signed record has the step, the screen where each open step
 * is done, and room for initials on paper. Screenshots in print media, axe
 * with the WCAG 2.2 rules on the print view.
 */
import AxeBuilder from '@axe-core/playwright';
import { test, expect, type Page } from '../support/fixtures';
import { EMPTY, HOLDER1 } from '../support/worksheet-values';
import { WCAG22 } from '../support/axe';


async function openChecklist(page: Page, part: string) {
  await page.getByRole('group', { name: 'Printable checklist for the ceremony day:' }).getByRole('button', { name: part, exact: true }).click();
  const h1 = page.getByRole('heading', { level: 1 });
  await expect(h1).toHaveText(`Ceremony day checklist: ${part}`);
  // The button that opened the view is gone: focus goes to the view's heading, not the page body.
  await expect(h1).toBeFocused();
  return page.getByTestId('checklist-steps').locator('li');
}

async function printShot(page: Page, bridge: { screenshot(n: string): Promise<string> }, name: string) {
  await page.emulateMedia({ media: 'print' });
  await bridge.screenshot(name);
  await page.emulateMedia({ media: 'screen' });
}

async function back(page: Page) {
  await page.getByRole('button', { name: 'Back to the overview' }).click();
  await expect(page.getByRole('heading', { name: 'Customer-managed key ceremony', level: 1 })).toBeVisible();
}

test('a checklist for each part, finished steps ticked, printable', async ({ page, bridge }) => {
  // Holder 1's worksheet column is saved and the source key generated here: one step done for holder 1, one for the custodians.
  const saved = await bridge.call('worksheet:save', { holder1: { ...HOLDER1, secret: { action: 'set', value: 'xCGRvvvQmKfqwTw[@a@qovRN_Nn72K46' } }, holder2: { ...EMPTY, secret: { action: 'keep' } } });
  expect(saved.ok).toBe(true);
  expect((await bridge.call('escrow:start', { modulusBits: 2048, purpose: 'Contoso CMEK 2026' })).ok).toBe(true);
  await bridge.restart();
  await expect(page.getByTestId('home-role')).toContainText('Key holder 1');
  await bridge.screenshot('1-home');

  const h1 = await openChecklist(page, 'Key holder 1');
  await expect(page.getByTestId('checklist-meta')).toContainText('1 of 8 done');
  await expect(h1.first()).toHaveAttribute('data-state', 'done');
  await expect(h1.first()).toContainText('Azure Information Worksheet saved (holder 1)');
  await expect(h1.first()).toContainText('(done)');
  await expect(h1.first().locator('.box-done')).toHaveText('✓');
  await expect(h1.nth(2)).toContainText('Vault registered with the vendor (holder 1)');
  await expect(h1.nth(2)).toContainText('In Key Holder: Vault registration screen.');
  await expect(h1.nth(2)).toContainText('Initials');
  // Only holder 1's own steps and the shared ones (another part's step may be named as what comes first).
  expect((await h1.locator('strong').allTextContents()).filter((t) => t.includes('(holder 2)'))).toEqual([]);
  await expect(page.getByTestId('checklist-print')).toContainText('REHEARSAL');
  const axe = await new AxeBuilder({ page }).withTags(WCAG22).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await bridge.screenshot('2-holder-1-screen');
  await printShot(page, bridge, '3-holder-1-print');
  await back(page);

  const h2 = await openChecklist(page, 'Key holder 2');
  await expect(h2).toHaveCount(8);
  await expect(h2.first()).toHaveAttribute('data-state', 'ready');
  expect((await h2.locator('strong').allTextContents()).filter((t) => t.includes('(holder 1)'))).toEqual([]);
  await printShot(page, bridge, '4-holder-2-print');
  await back(page);

  const custodians = await openChecklist(page, 'Escrow custodians');
  await expect(custodians.first()).toContainText('Source key generated');
  await expect(custodians.first()).toHaveAttribute('data-state', 'done');
  await expect(custodians.nth(1)).toContainText('Escrow written');
  await expect(custodians.nth(1)).not.toHaveAttribute('data-state', 'done');
  await printShot(page, bridge, '5-custodians-print');
  await back(page);

  const supervisor = await openChecklist(page, 'Supervisor');
  await expect(supervisor).toHaveText([/Supervised activation attested \(holder 1\)/, /Supervised activation attested \(holder 2\)/, /Ceremony closed/]);
  await printShot(page, bridge, '6-supervisor-print');
});
