/**
 * The home screen guides: on a fresh workstation it says nothing is recorded
 * and which part to start with; once holder 1's worksheet column (with its
 * client secret) is saved it names the workstation "Key holder 1", ticks the
 * worksheet off, and offers the one next step (the vault registration) with a
 * link to its screen. The checklist is the printable per-role list. Axe with
 * the WCAG 2.2 rules finds no serious violation on it.
 */
import AxeBuilder from '@axe-core/playwright';
import { test, expect } from '../support/fixtures';
import { EMPTY, HOLDER1 } from '../support/worksheet-values';
import { WCAG22 } from '../support/axe';


test('home: role, where the ceremony stands, the next action with its link, the checklist', async ({ page, bridge }) => {
  await expect(page.getByRole('heading', { name: 'Customer-managed key ceremony', level: 1 })).toBeVisible();
  await expect(page.getByTestId('home-progress')).toContainText('Nothing is recorded yet');
  await expect(page.getByTestId('home-role')).toContainText('Not chosen yet');
  await bridge.screenshot('1-fresh');
  // The first Tab reaches the skip link; following it puts focus on the screen's content, past the menu.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to the screen’s content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();

  const saved = await bridge.call('worksheet:save', { holder1: { ...HOLDER1, secret: { action: 'set', value: 'xCGRvvvQmKfqwTw[@a@qovRN_Nn72K46' } }, holder2: { ...EMPTY, secret: { action: 'keep' } } });
  expect(saved.ok).toBe(true);
  await bridge.restart();
  await expect(page.getByTestId('home-role')).toContainText('Key holder 1');
  const list = page.getByTestId('home-checklist');
  await expect(list.locator('li').first()).toHaveAttribute('data-state', 'done');
  await expect(list).not.toContainText('holder 2');
  await expect(page.getByTestId('home-next')).toContainText('Vault registered with the vendor (holder 1)');
  await bridge.screenshot('2-holder1-next');
  const axe = await new AxeBuilder({ page }).withTags(WCAG22).include('main').analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);

  // Before connecting, the status screen explains why there is nothing to check yet.
  await page.getByRole('button', { name: 'Primary key status' }).click();
  await expect(page.getByTestId('cp-status-not-connected')).toContainText('not connected');
  await bridge.screenshot('2b-status-not-connected');
  await page.getByRole('button', { name: 'Overview' }).click();
  await page.getByTestId('home-next').getByRole('button').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Register your vault with the vendor');
  // Focus follows the holder to the new screen's heading, not left in the menu.
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
  await bridge.screenshot('3-followed-link');
});
