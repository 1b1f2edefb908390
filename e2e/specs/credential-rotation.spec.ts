/**
 * A key holder rotates the client secret on worksheet line 4 in the wizard,
 * against the rehearsal cloud and the reference control plane: sign-in, the
 * new secret added in Azure (shown only masked), delivered sealed to the
 * control plane, confirmed; the 24-hour overlap refuses early removal (an
 * override needs a typed reason); the app restarts mid-overlap and resumes;
 * the rehearsal clock moves past 24 hours; the old secret is removed and
 * proven dead; line 4 and its expiry are updated.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test as base, expect } from '../support/fixtures';
import { startWorld, type World } from '../../electron/integration/credential-rotation/harness';
import { fakeBox, scriptedBrowser } from '../../electron/integration/import/harness';

const DAY = 86_400_000;
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
    await use({
      clock: world.clock,
      secretBox: box,
      deps: { azure: world.ws.azure, controlPlaneAgent: world.agent, openBrowser: scriptedBrowser(world.agent, holder1.oid) },
    });
  },
});

/** Holder 1's workstation was prepared by the world (worksheet, control-plane connection, sign-in): the app opens on it. */
async function adoptWorkstation(world: World, dataDir: string) {
  for (const entry of fs.readdirSync(world.ws.dataDir)) {
    fs.cpSync(path.join(world.ws.dataDir, entry), path.join(dataDir, entry), { recursive: true });
  }
}

test('the rotation wizard rotates line 4 with the 24-hour overlap, resumes after a restart, and never shows the secret', async ({ page, bridge, world }) => {
  test.setTimeout(120_000);
  const oldSecret = world.app1.seedSecret;
  await adoptWorkstation(world, bridge.dataDir);
  await bridge.restart();

  // The dashboard first: the line-4 secret is tracked with the one action to take.
  await page.getByRole('button', { name: 'Expiry dates' }).click();
  await expect(page.getByTestId('expiry-row').first()).toContainText('Client secret on worksheet line 4');
  await expect(page.getByTestId('expiry-row').first().getByTestId('expiry-action')).toContainText('Rotate the client secret');

  await page.getByRole('button', { name: 'Credential rotation', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Credential rotation: the client secret', level: 1 })).toBeVisible();
  await expect(page.getByTestId('signed-in-as')).toContainText('alice@holder1.rehearsal.example');
  await expect(page.getByText('(on your worksheet)')).toBeVisible();
  await expect(page.getByTestId('rotation-rule')).toContainText('P730D');
  await bridge.screenshot('1-plan');

  await page.getByRole('button', { name: 'Start the rotation' }).click();
  const panel = page.getByTestId('rotation-panel');
  await expect(panel).toHaveAttribute('data-phase', 'overlap');
  await expect(page.locator('[aria-current="step"]')).toContainText('24-hour overlap');
  await expect(page.getByTestId('overlap-countdown')).toContainText(/2[34] h \d\d min/);
  const masked = await page.getByTestId('new-secret-masked').textContent();
  expect(masked).toMatch(/^.{3}•{37}$/);
  await bridge.screenshot('2-overlap-countdown');

  // Removal before the overlap ends is refused; the override needs a reason of some substance.
  await page.getByRole('button', { name: 'Remove the old secret' }).click();
  await expect(page.getByTestId('rotation-error')).toContainText('24 hours');
  await page.getByLabel(/Why must the old secret go/).fill('too short');
  await expect(page.getByRole('button', { name: 'Remove it anyway' })).toBeDisabled();
  await bridge.screenshot('3-removal-refused');
  expect(await world.signInWith(oldSecret)).toBe('ok');

  // The app closes and reopens mid-overlap: the wizard resumes at step 5 from the saved state.
  await bridge.restart();
  await page.getByRole('button', { name: 'Credential rotation', exact: true }).click();
  await expect(page.getByTestId('rotation-panel')).toHaveAttribute('data-step', '5');

  // The rehearsal clock moves past the overlap (cloud, control plane and app together).
  world.clock.advance(DAY + 5 * 60_000);
  await bridge.restart();
  await page.getByRole('button', { name: 'Credential rotation', exact: true }).click();
  await expect(page.getByTestId('overlap-countdown')).toContainText('The 24-hour overlap is over');
  await page.getByRole('button', { name: 'Remove the old secret' }).click();
  await expect(page.getByTestId('rotation-done')).toBeVisible();
  await expect(page.getByTestId('rotation-step')).toHaveCount(7);
  await expect(page.locator('[data-testid="rotation-step"][data-status="done"]')).toHaveCount(7);
  await bridge.screenshot('4-done');

  // Azure and the worksheet agree: one secret, the worksheet's; the old one refused by Entra.
  const pw = await world.passwords(bridge.current.services.identity!);
  expect(pw).toHaveLength(1);
  const line4 = await bridge.current.services.worksheet.revealSecret(1);
  expect(line4.slice(0, 3)).toBe(pw[0]!.hint);
  expect(masked!.slice(0, 3)).toBe(pw[0]!.hint);
  expect(await world.signInWith(oldSecret)).toBe('AADSTS7000215');
  expect(await world.signInWith(line4)).toBe('ok');
  // The secret's text never reached the page.
  expect(await page.content()).not.toContain(line4);

  const sheet = await bridge.call('worksheet:get', {});
  expect(sheet.ok && sheet.value.holder1.secretExpiresOn).toBe(pw[0]!.endDateTime.slice(0, 10));
  // The hourly evaluation reads the new secret's end from Graph (one $batch); the dashboard shows Graph's date.
  expect(await bridge.current.services.credentialRotation.refreshGraphItems()).toMatchObject({ refreshed: true, httpRequests: 1 });
  await page.getByRole('button', { name: 'Expiry dates' }).click();
  await expect(page.getByTestId('expiry-row').first()).toContainText(/\d+ days left/);
  await expect(page.getByTestId('expiry-row').first()).toContainText('read from Microsoft Graph');
  await bridge.screenshot('5-dashboard-after');
});
