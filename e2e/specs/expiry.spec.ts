/**
 * A key holder opens the expiry dashboard with items at several thresholds:
 * most urgent first, days left, what breaks and the one action; snoozes one
 * reminder and exports the calendar. The clock is fixed so the screenshots
 * are the same every run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '../support/fixtures';
import { fixedClock } from '../../electron/services/platform/clock';
import { wcag22Violations } from '../support/axe';

const NOW = new Date('2026-11-27T12:00:00Z');
const inDays = (d: number) => new Date(NOW.getTime() + d * 86_400_000).toISOString();

test.use({ bridgeDeps: { clock: fixedClock(NOW) } });

const entries = [
  // holder 1: secret in 45 days (60-day threshold), key exp already passed 3 days ago
  { ceremony: 'contoso-2026', holder: 'holder-1', appId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', clientSecretExpiresAt: inDays(45), keyIdentifier: 'https://azurevault1.vault.azure.net/keys/ajubalaw-2/7668e37b63f6433fa285434f23a58b1b', keyExpiresAt: inDays(-3) },
  // holder 2: secret in 2 days (critical), enrolment token in 10 days (14-day threshold)
  { ceremony: 'contoso-2026', holder: 'holder-2', appId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8', clientSecretExpiresAt: inDays(2), enrolmentTokenExpiresAt: inDays(10) },
  // another ceremony, far away
  { ceremony: 'fabrikam-2027', holder: 'holder-1', appId: '9a8b7c6d-0000-4000-8000-000000000001', clientSecretExpiresAt: inDays(200) },
];

test('the expiry dashboard shows every item most urgent first, snoozes, and exports a calendar', async ({ page, bridge }) => {
  const file = path.join(bridge.dataDir, 'expiry', 'worksheet-values.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ version: 1, entries }));

  await page.getByRole('button', { name: 'Expiry dates' }).click();
  await expect(page.getByRole('heading', { name: 'Expiry dates', level: 1 })).toBeVisible();
  const rows = page.getByTestId('expiry-row');
  await expect(rows).toHaveCount(5);
  await expect(page.getByTestId('expiry-days')).toHaveText(['expired 3 days ago', '2 days left', '10 days left', '45 days left', '200 days left']);
  await expect(rows.nth(0)).toHaveAttribute('data-urgency', 'expired');
  await expect(rows.nth(1)).toHaveAttribute('data-urgency', 'critical');
  await expect(rows.nth(2)).toHaveAttribute('data-urgency', 'warning');
  await expect(rows.nth(3)).toHaveAttribute('data-urgency', 'notice');
  await expect(rows.nth(4)).toHaveAttribute('data-urgency', 'ok');
  await expect(page.getByTestId('expiry-worst')).toHaveText('Expired');
  await expect(rows.nth(1)).toContainText('existing documents cannot be decrypted');
  await expect(rows.nth(1).getByTestId('expiry-action')).toContainText('Rotate the client secret');
  // Nothing to snooze on an expired item or one more than 90 days out.
  await expect(rows.nth(0).getByRole('button', { name: /Snooze/ })).toHaveCount(0);
  await expect(rows.nth(4).getByRole('button', { name: /Snooze/ })).toHaveCount(0);

  expect(await wcag22Violations(page, { include: 'section[aria-labelledby="expiry-title"]', impacts: 'all', bestPractice: true })).toEqual([]);
  await bridge.screenshot('dashboard');

  // Snooze the 2-day secret for a week: capped at its expiry.
  await rows.nth(1).getByRole('button', { name: 'Snooze a week' }).click();
  await expect(page.getByTestId('expiry-note')).toContainText('Snoozed until');
  await expect(rows.nth(1)).toContainText('Reminders snoozed until');
  const board = await bridge.call('expiry:dashboard', {});
  expect(board.ok && board.value.rows[1]!.snoozedUntil).toBe(inDays(2).replace(/\.\d{3}Z$/, '.000Z'));

  // The snooze survives a restart of the app.
  await bridge.restart();
  await page.getByRole('button', { name: 'Expiry dates' }).click();
  await expect(page.getByTestId('expiry-row').nth(1)).toContainText('Reminders snoozed until');
  await bridge.screenshot('snoozed');

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export to calendar (.ics)' }).click();
  const saved = await (await download).path();
  const ics = readFileSync(saved, 'utf8');
  expect(ics.match(/BEGIN:VEVENT/g)).toHaveLength(5);
  expect(ics).toContain('TRIGGER:-PT72H');
  await expect(page.getByTestId('expiry-note')).toContainText('5 events');
});
