/**
 * The case: the worksheet says the client secret expired long ago
 * while Microsoft Graph knows its real end. Signed in, the expiry dashboard
 * reads Graph first and shows Graph's date, the same one the Credential
 * rotation screen shows, and says where its dates come from.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test as base, expect } from '../support/fixtures';
import { startWorld, type World } from '../../electron/integration/credential-rotation/harness';
import { fakeBox, scriptedBrowser } from '../../electron/integration/import/harness';

const box = fakeBox();

const test = base.extend<{ world: World }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
  world: async ({}, use) => {
    const w = await startWorld({ box });
    await use(w);
    await w.close();
  },
  bridgeDeps: async ({ world }, use) => {
    const holder1 = world.cloud.descriptor.users.find((u) => u.tenantId === world.app1.tenantId)!;
    await use({ clock: world.clock, secretBox: box, deps: { azure: world.ws.azure, controlPlaneAgent: world.agent, openBrowser: scriptedBrowser(world.agent, holder1.oid) } });
  },
});

test('signed in, the dashboard shows Graph’s end date (the rotation screen’s), not the worksheet’s stale one, and says so', async ({ page, bridge, world }) => {
  test.setTimeout(120_000);
  for (const entry of fs.readdirSync(world.ws.dataDir)) fs.cpSync(path.join(world.ws.dataDir, entry), path.join(bridge.dataDir, entry), { recursive: true });
  await bridge.restart();
  // The worksheet's line-4 expiry is long past, as in the issue ("expired 695 days ago").
  const ws = await bridge.call('worksheet:get', {});
  if (!ws.ok) throw new Error(ws.error.message);
  const { secret: _s1, ...h1 } = ws.value.holder1;
  const { secret: _s2, ...h2 } = ws.value.holder2;
  const saved = await bridge.call('worksheet:save', { holder1: { ...h1, secretExpiresOn: '2025-01-10', secret: { action: 'keep' } }, holder2: { ...h2, secret: { action: 'keep' } } });
  expect(saved.ok).toBe(true);
  // Read as this workstation (the world's own sign-in would spend the refresh token the copied cache holds).
  const graphEnd = (await world.passwords(bridge.current.services.identity!)).find((p) => p.keyId === world.app1.seedKeyId)!.endDateTime;
  expect(graphEnd.slice(0, 10)).not.toBe('2025-01-10');

  await page.getByRole('button', { name: 'Expiry dates' }).click();
  await expect(page.getByTestId('expiry-source')).toContainText('Client-secret dates read from Microsoft Graph just now, signed in as alice@holder1.rehearsal.example');
  const row = page.getByTestId('expiry-row').filter({ hasText: 'Client secret on worksheet line 4' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('read from Microsoft Graph');
  await expect(row.getByTestId('expiry-days')).toHaveText(/\d+ days left/);
  const meta = (await row.locator('.expiry-meta').textContent())!;
  const shown = /\(([^()]+)\), read from Microsoft Graph/.exec(meta)?.[1];
  expect(shown).toBeTruthy();
  await bridge.screenshot('1-dashboard-graph-date');

  // The Credential rotation screen lists the same secret with the same end, in the same words.
  await page.getByRole('button', { name: 'Credential rotation', exact: true }).click();
  await expect(page.getByText('(on your worksheet)')).toBeVisible();
  await expect(page.locator('label.rotation-choice').filter({ hasText: '(on your worksheet)' })).toContainText(`ends ${shown}`);
  await bridge.screenshot('2-rotation-same-date');
});
