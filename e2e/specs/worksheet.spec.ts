/**
 * A key holder fills in both holders' Azure Information Worksheets, sees each
 * problem next to the field that causes it, fixes them, saves, restarts the
 * app and finds everything again; the settings file on disk holds no client
 * secret.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect, type Page } from '../support/fixtures';
import { fileKeySecretBox } from '../bridge/secret-box';
import { wcag22Violations } from '../support/axe';

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

const H1 = {
  vaultHost: 'azurevault1.vault.azure.net',
  keyIdentifier: 'https://azurevault1.vault.azure.net/keys/ajubalaw-2/7668e37b63f6433fa285434f23a58b1b',
  clientId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
  secret: 'xCGRvvvQmKfqwTw[@a@qovRN_Nn72K46',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  keyName: 'ajubalaw-2',
  created: day(-10),
  expires: day(355),
};
const H2 = {
  vaultHost: 'holder2.vault.rehearsal.localhost:8443',
  keyIdentifier: 'https://holder2.vault.rehearsal.localhost:8443/keys/ajubalaw-2/0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  clientId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
  secret: 'Zq8~second.holder_secret-Value42',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  keyName: 'ajubalaw-2',
  created: day(-3),
  expires: day(20),
};

const panel = (page: Page, h: 1 | 2) => page.locator(`#ws-panel-${h}`);
const field = (page: Page, h: 1 | 2, name: string) => page.locator(`#ws-h${h}-${name}`);
const issues = (page: Page, h: 1 | 2, name: string) => page.locator(`#ws-h${h}-${name}-issues`);

async function fill(page: Page, h: 1 | 2, name: string, value: string) {
  await field(page, h, name).fill(value);
  await field(page, h, name).blur();
}

async function openHolder(page: Page, h: 1 | 2) {
  await page.getByRole('tab', { name: new RegExp(`^Key holder ${h}`) }).click();
  await expect(panel(page, h)).toBeVisible();
}

async function axe(page: Page) {
  expect(await wcag22Violations(page, { include: 'main' })).toEqual([]);
}

test('a holder fills both worksheets, fixes every problem, saves, restarts and finds the values again', async ({ page, bridge }) => {
  await page.getByRole('button', { name: 'Azure Information Worksheet' }).click();
  await expect(page.getByRole('heading', { name: 'Azure Information Worksheet' })).toBeVisible();
  await expect(page.getByText('Line 1').first()).toBeVisible();
  await bridge.screenshot('1-empty');
  await axe(page);

  // Key holder 1, with a mistake on every line.
  await openHolder(page, 1);
  const bad: [string, string, RegExp][] = [
    ['vaultHost', 'https://my--vault.vault.azure.net/', /Enter the DNS name only/],
    ['keyIdentifier', 'https://azurevault9.vault.azure.net/keys/ajubalaw-2/7668e37b63f6433fa285434f23a58b1b', /Line 2 points at "azurevault9\.vault\.azure\.net"/],
    ['clientId', 'not-a-guid', /must be a GUID/],
    ['tenantId', '72f988bf86f141af91ab2d7cd011db47', /must be a GUID/],
    ['keyName', 'other-key', /differs from the one in line 2/],
    ['secretCreatedOn', day(-10), /.*/],
    ['secretExpiresOn', day(-10 + 3 * 365), /at most 2 years/],
  ];
  for (const [name, value] of bad) await fill(page, 1, name, value);
  await field(page, 1, 'clientSecret').fill('6ba7b811-9dad-11d1-80b4-00c04fd430c8');
  await field(page, 1, 'clientSecret').blur();
  for (const [name, , message] of bad) {
    if (name === 'secretCreatedOn') continue;
    await expect(issues(page, 1, name), name).toContainText(message);
    await expect(field(page, 1, name)).toHaveAttribute('aria-invalid', 'true');
  }
  await expect(issues(page, 1, 'clientSecret')).toContainText('Secret ID');
  await expect(field(page, 1, 'clientSecret')).toHaveAttribute('type', 'password');
  await expect(page.getByRole('tab', { name: /Key holder 1/ }).locator('.badge')).toHaveText('7');
  await bridge.screenshot('2-holder1-errors');
  await axe(page);

  // A vault name that breaks Azure's naming rules gets its own message once the URL form is fixed.
  await fill(page, 1, 'vaultHost', 'my--vault.vault.azure.net');
  await expect(issues(page, 1, 'vaultHost')).toContainText('two hyphens in a row');

  // Fix every line.
  await fill(page, 1, 'vaultHost', H1.vaultHost);
  await fill(page, 1, 'keyIdentifier', H1.keyIdentifier);
  await fill(page, 1, 'clientId', H1.clientId);
  await fill(page, 1, 'tenantId', H1.tenantId);
  await fill(page, 1, 'keyName', H1.keyName);
  await fill(page, 1, 'secretExpiresOn', H1.expires);
  await field(page, 1, 'clientSecret').fill(H1.secret);
  await page.getByRole('button', { name: 'Show' }).first().click();
  await expect(field(page, 1, 'clientSecret')).toHaveAttribute('type', 'text');
  await page.getByRole('button', { name: 'Hide' }).first().click();
  await expect(field(page, 1, 'clientSecret')).toHaveAttribute('type', 'password');
  await expect(panel(page, 1).locator('.issue-error')).toHaveCount(0);

  // Key holder 2 copies holder 1's line 1 and line 3 by mistake.
  await openHolder(page, 2);
  await fill(page, 2, 'vaultHost', H1.vaultHost);
  await fill(page, 2, 'clientId', H1.clientId);
  await expect(issues(page, 2, 'vaultHost')).toContainText('Line 1 is the same for key holder 1 and key holder 2');
  await expect(issues(page, 2, 'clientId')).toContainText('Line 3 is the same for key holder 1 and key holder 2');
  await bridge.screenshot('3-holder2-collisions');

  await fill(page, 2, 'vaultHost', H2.vaultHost);
  await fill(page, 2, 'keyIdentifier', H2.keyIdentifier);
  await fill(page, 2, 'clientId', H2.clientId);
  await fill(page, 2, 'tenantId', H2.tenantId);
  await fill(page, 2, 'keyName', H2.keyName);
  await fill(page, 2, 'secretCreatedOn', H2.created);
  await fill(page, 2, 'secretExpiresOn', H2.expires);
  await field(page, 2, 'clientSecret').fill(H2.secret);
  await expect(issues(page, 2, 'vaultHost')).toContainText('accepted in rehearsal only');
  await expect(issues(page, 2, 'secretExpiresOn')).toContainText(/expires in \d+ days/);
  await expect(panel(page, 2).locator('.issue-error')).toHaveCount(0);
  await openHolder(page, 1);
  await fill(page, 1, 'secretCreatedOn', H1.created);

  await page.getByRole('button', { name: 'Save worksheet' }).click();
  await expect(page.getByTestId('ws-result')).toContainText('Saved. Both worksheets are complete');
  await expect(page.getByTestId('ws-h1-clientSecret-masked')).toBeVisible();
  await bridge.screenshot('4-saved');
  await axe(page);

  // The store on disk: the values are there, the client secrets are not.
  const settings = readFileSync(path.join(bridge.dataDir, 'settings.json'), 'utf8');
  expect(settings).toContain(H1.vaultHost);
  expect(settings).toContain(H2.clientId);
  for (const s of [H1.secret, H2.secret]) {
    expect(settings).not.toContain(s);
    expect(settings).not.toContain(Buffer.from(s).toString('base64'));
  }

  // Close and reopen the app.
  await bridge.restart();
  await page.getByRole('button', { name: 'Azure Information Worksheet' }).click();
  await expect(field(page, 1, 'vaultHost')).toHaveValue(H1.vaultHost);
  await expect(field(page, 1, 'keyIdentifier')).toHaveValue(H1.keyIdentifier);
  await expect(field(page, 1, 'secretExpiresOn')).toHaveValue(H1.expires);
  await expect(page.getByTestId('ws-h1-clientSecret-masked')).toContainText('Stored securely');
  await expect(page.getByText(H1.secret)).toHaveCount(0);
  await panel(page, 1).getByRole('button', { name: 'Reveal' }).click();
  await expect(page.getByTestId('ws-h1-clientSecret-revealed')).toHaveText(H1.secret);
  await bridge.screenshot('5-after-restart-revealed');
  await panel(page, 1).getByRole('button', { name: 'Hide' }).click();
  await expect(page.getByText(H1.secret)).toHaveCount(0);
  await openHolder(page, 2);
  await expect(field(page, 2, 'vaultHost')).toHaveValue(H2.vaultHost);
  await expect(field(page, 2, 'clientId')).toHaveValue(H2.clientId);

  // Exports: JSON without secrets, PDF redacted by default.
  await page.getByRole('button', { name: 'Export JSON (without secrets)' }).click();
  await expect(page.getByTestId('ws-result')).toContainText('Exported to');
  await page.getByRole('button', { name: 'Export PDF' }).click();
  await expect(page.getByTestId('ws-result')).toContainText('.pdf');
  const exports = path.join(bridge.dataDir, 'exports');
  const files = readdirSync(exports);
  const json = readFileSync(path.join(exports, files.find((f) => f.endsWith('.json'))!), 'utf8');
  expect(json).toContain(H2.vaultHost);
  expect(json).not.toContain(H1.secret);
  expect(json).not.toContain(H2.secret);
  const pdf = readFileSync(path.join(exports, files.find((f) => f.endsWith('.pdf'))!));
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');

  // Printable view: secrets redacted until explicitly included.
  await page.getByRole('button', { name: 'Printable view' }).click();
  await expect(page.getByText('Not printed (kept secret)')).toHaveCount(2);
  await page.emulateMedia({ media: 'print' });
  await bridge.screenshot('6-print');
  await page.emulateMedia({ media: 'screen' });
  await page.getByLabel('Include client secrets').check();
  await expect(page.getByText(H2.secret)).toBeVisible();
  await page.getByRole('button', { name: 'Back to the worksheet' }).click();
  await expect(page.getByText(H2.secret)).toHaveCount(0);
});

test('a client secret with a space around it is refused, not stored, kept in its field to fix, and saved once fixed', async ({ page, bridge }) => {
  await page.getByRole('button', { name: 'Azure Information Worksheet' }).click();
  await fill(page, 1, 'vaultHost', H1.vaultHost);
  await field(page, 1, 'clientSecret').fill(`${H1.secret} `);
  await field(page, 1, 'clientSecret').blur();
  await expect(issues(page, 1, 'clientSecret')).toContainText('starts or ends with a space');
  await page.getByRole('button', { name: 'Save worksheet' }).click();
  await expect(page.getByTestId('ws-result')).toContainText('client secret was NOT saved: it starts or ends with a space. Remove the space');
  // Nothing stored; the typed value stays in its field, marked, for the holder to correct.
  await expect(field(page, 1, 'clientSecret')).toHaveValue(`${H1.secret} `);
  await expect(field(page, 1, 'clientSecret')).toHaveAttribute('aria-invalid', 'true');
  const before = await bridge.call('worksheet:get', {});
  expect(before.ok && before.value.holder1.secret).toBe('none');
  expect(before.ok && before.value.holder1.vaultHost).toBe(H1.vaultHost);
  expect(readFileSync(path.join(bridge.dataDir, 'settings.json'), 'utf8')).not.toContain(H1.secret);
  await bridge.screenshot('9-secret-with-space-refused');

  await field(page, 1, 'clientSecret').fill(H1.secret);
  await page.getByRole('button', { name: 'Save worksheet' }).click();
  await expect(page.getByTestId('ws-result')).not.toContainText('NOT saved');
  await expect(page.getByTestId('ws-h1-clientSecret-masked')).toBeVisible();
  const revealed = await bridge.call('worksheet:revealSecret', { holder: 1 });
  expect(revealed.ok && revealed.value.secret).toBe(H1.secret);
});

test('unsaved worksheet edits are not dropped: moving to another screen or closing the window asks to stay or discard', async ({ page, bridge }) => {
  await page.getByRole('button', { name: 'Azure Information Worksheet' }).click();
  await fill(page, 1, 'vaultHost', H1.vaultHost);
  await expect(page.getByText('Unsaved changes')).toBeVisible();

  await page.getByRole('button', { name: 'Source key and escrow' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Unsaved changes' });
  await expect(dialog).toContainText('You have not saved your changes to the worksheet. If you go to Source key and escrow now');
  await expect(dialog.getByRole('button', { name: 'Stay and save first' })).toBeFocused();
  await axe(page);
  await bridge.screenshot('10-unsaved-leave-dialog');
  await dialog.getByRole('button', { name: 'Stay and save first' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Azure Information Worksheet', level: 1 })).toBeVisible();
  await expect(field(page, 1, 'vaultHost')).toHaveValue(H1.vaultHost);

  // Closing the window (or reloading) is held back by the page while edits are unsaved.
  const asked = new Promise<string>((resolve) => page.once('dialog', (d) => {
    resolve(d.type());
    void d.dismiss();
  }));
  await page.close({ runBeforeUnload: true });
  expect(await asked).toBe('beforeunload');
  expect(page.isClosed()).toBe(false);
  await expect(field(page, 1, 'vaultHost')).toHaveValue(H1.vaultHost);

  // Escape also stays; discarding goes on and drops the edit.
  await page.getByRole('button', { name: 'Source key and escrow' }).click();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await page.getByRole('button', { name: 'Source key and escrow' }).click();
  await dialog.getByRole('button', { name: 'Discard changes' }).click();
  await expect(page.getByRole('heading', { level: 1 })).not.toHaveText('Azure Information Worksheet');
  await page.getByRole('button', { name: 'Azure Information Worksheet' }).click();
  await expect(field(page, 1, 'vaultHost')).toHaveValue('');
  // Saved work asks nothing.
  await fill(page, 1, 'vaultHost', H1.vaultHost);
  await page.getByRole('button', { name: 'Save worksheet' }).click();
  await expect(page.getByText(/^Saved /)).toBeVisible();
  await page.getByRole('button', { name: 'Source key and escrow' }).click();
  await expect(dialog).toHaveCount(0);
  const ws = await bridge.call('worksheet:get', {});
  expect(ws.ok && ws.value.holder1.vaultHost).toBe(H1.vaultHost);
});

test.describe('without secure storage', () => {
  test.use({ bridgeDeps: { secretBoxFor: (dir) => fileKeySecretBox(dir, { available: false }) } });

  test('the secret is refused with a clear message and the rest is kept', async ({ page, bridge }) => {
    await page.getByRole('button', { name: 'Azure Information Worksheet' }).click();
    await expect(page.getByTestId('ws-secret-storage')).toContainText('cannot be saved on this computer');
    await fill(page, 1, 'vaultHost', H1.vaultHost);
    await field(page, 1, 'clientSecret').fill(H1.secret);
    await page.getByRole('button', { name: 'Save worksheet' }).click();
    await expect(page.getByTestId('ws-result')).toContainText('client secret was NOT saved');
    await bridge.screenshot('7-no-secret-storage');
    const settings = readFileSync(path.join(bridge.dataDir, 'settings.json'), 'utf8');
    expect(settings).toContain(H1.vaultHost);
    expect(settings).not.toContain(H1.secret);
  });
});

test('a damaged settings file is kept aside and the holder is told where', async ({ page, bridge }) => {
  await bridge.call('worksheet:save', {
    holder1: { vaultHost: H1.vaultHost, keyIdentifier: '', clientId: '', tenantId: '', keyName: '', secretCreatedOn: '', secretExpiresOn: '', secret: { action: 'keep' } },
    holder2: { vaultHost: '', keyIdentifier: '', clientId: '', tenantId: '', keyName: '', secretCreatedOn: '', secretExpiresOn: '', secret: { action: 'keep' } },
  });
  writeFileSync(path.join(bridge.dataDir, 'settings.json'), '{"schemaVersion":1,"worksheet":{"holder1":');
  await bridge.restart();
  await page.getByRole('button', { name: 'Azure Information Worksheet' }).click();
  const notice = page.getByTestId('ws-notice');
  await expect(notice).toContainText('could not be read');
  await expect(notice).toContainText('settings.damaged-');
  await bridge.screenshot('8-damaged-settings');
  const kept = readdirSync(bridge.dataDir).filter((f) => f.startsWith('settings.damaged-'));
  expect(kept).toHaveLength(1);
  expect(readFileSync(path.join(bridge.dataDir, kept[0]!), 'utf8')).toBe('{"schemaVersion":1,"worksheet":{"holder1":');
});
