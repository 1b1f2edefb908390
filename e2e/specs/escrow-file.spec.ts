/**
 * A double-clicked .khescrow: main sends `app:show { screen: 'escrow-file',
 * item: path }` (electron/main/main.ts); here the bridge emits the same event
 * through the services' emitter, and the escrow inspector shows the file's
 * header without any passphrase. A file that is not an escrow file gets a
 * message the holder can act on.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '../support/fixtures';
import { REPO_ROOT } from '../bridge/server';
import { wcag22Violations } from '../support/axe';

const FIXTURE = path.join(REPO_ROOT, 'docs/formats/vectors/fixtures/escrow-2of3.khescrow');

test('an escrow file opened from the file manager shows in the escrow inspector', async ({ page, bridge }) => {
  // Not in the step list: reached only when the system opens a file.
  await expect(page.getByRole('button', { name: 'Escrow file' })).toHaveCount(0);

  const file = path.join(bridge.current.dataDir, 'Contoso escrow.khescrow');
  copyFileSync(FIXTURE, file);
  bridge.current.services.deps.emit('app:show', { screen: 'escrow-file', item: file });

  await expect(page.getByRole('heading', { name: 'Escrow file', level: 1 })).toBeVisible();
  await expect(page.getByTestId('escrow-file-summary')).toContainText('Contoso escrow.khescrow');
  const key = page.getByTestId('escrow-file-key');
  await expect(key).toContainText('2 of 3 custodians must meet to restore it');
  await expect(key.getByRole('listitem')).toHaveCount(3);
  await expect(key).toContainText(/[0-9A-F]{4}-[0-9A-F]{4}/);
  expect(await wcag22Violations(page, { impacts: 'all', bestPractice: true })).toEqual([]);
  await bridge.screenshot('inspector');

  const fake = path.join(bridge.current.dataDir, 'notes.khescrow');
  writeFileSync(fake, 'not an escrow file');
  bridge.current.services.deps.emit('app:show', { screen: 'escrow-file', item: fake });
  await expect(page.getByTestId('escrow-file-error')).toContainText('not a Key Holder escrow file');
  await bridge.screenshot('not-escrow');
});
