/**
 * A key holder signs in on the rehearsal sign-in page (opened as the system
 * browser would open it), imports their key-holder copy into their own
 * rehearsal vault through a supervised activation (the keeper presents the
 * copy, a different person types its passphrase, the supervisor signs, each
 * behind a hand-over screen), and sees line 2 filled and the fingerprint
 * match. The Ceremony screen then shows the activation and the import as
 * recorded in the signed transcript.
 */
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { test as base, expect, SCREENSHOT_DIR } from '../support/fixtures';
import { SignInBrowser, importThroughActivation, join, signInOnRehearsalPage, type ImportStep } from '../support/import';
import { enrolInPlan, importCast } from '../support/participants';
import { startRehearsalCloud, type RehearsalCloud } from '../../electron/rehearsal/index';
import { agentFor } from '../../electron/rehearsal/testing/sdk';
import { rehearsalAzureEndpoints } from '../../electron/services/identity/index';
import { TEST_KDF } from '../../shared/escrow/kdf-profiles';
import { PASS } from '../../electron/services/escrow/testing/helpers';
import type { Services } from '../../electron/services/index';

interface Extra {
  cloud: RehearsalCloud;
  signIn: SignInBrowser;
}

const test = base.extend<Extra>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
  cloud: async ({}, use) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-e2e-cloud-'));
    const cloud = await startRehearsalCloud({ dataDir: dir });
    await use(cloud);
    await cloud.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  },
  signIn: async ({ browser }, use) => {
    const signIn = new SignInBrowser(browser);
    await use(signIn);
    await signIn.close();
  },
  bridgeDeps: async ({ cloud, signIn }, use) => {
    const agent = agentFor(cloud);
    const holder1 = cloud.descriptor.tenants[0]!.id;
    await use({
      deps: {
        escrowKdf: TEST_KDF,
        azure: { ...rehearsalAzureEndpoints(cloud.descriptor, agent, holder1), retryOptions: { maxRetries: 1, retryDelayInMs: 50 } },
        openBrowser: signIn.openBrowser,
      },
    });
    agent.destroy();
  },
});

const SHOTS: Record<ImportStep, string> = {
  'form-filled': '3-form-filled',
  'handover-keeper': '4-handover-keeper',
  'knower-types': '5-knower-types',
  'supervisor-attests': '6-supervisor-attests',
  imported: '7-imported',
};

async function holderCopy(services: Services): Promise<string> {
  const e = services.escrow;
  let st = await e.startCeremony({ modulusBits: 2048 });
  st = await e.setCustodians(st.sessionId, ['Alice Archer', 'Bob Baker'], 1);
  await e.enterPassphrase(st.sessionId, 1, PASS[0]!);
  await e.enterPassphrase(st.sessionId, 2, PASS[1]!);
  st = await e.writeFiles(st.sessionId);
  await e.testRestore(st.sessionId, 1, PASS[0]!);
  await e.testRestore(st.sessionId, 2, PASS[1]!);
  st = await e.createHolderCopy(st.sessionId, 'Key holder 1', PASS[2]!);
  e.closeCeremony(st.sessionId);
  return st.holderCopies[0]!.file;
}

test('a holder signs in, imports their copy under keeper/knower/supervisor hand-over, sees line 2, and the Ceremony screen shows it recorded', async ({ page, bridge, cloud, signIn }) => {
  const copyFile = await holderCopy(bridge.current.services);
  const vault = cloud.descriptor.vaults[0]!;
  const people = { operator: 'Olive Operator', supervisor: 'Sam Supervisor', keeper: 'Kim Keeper', knower: 'Noor Knower' };
  // Before the ceremony: the four people are enrolled in the ceremony plan.
  await enrolInPlan(page, importCast(people));

  await page.getByRole('button', { name: 'Import into your vault' }).click();
  await expect(page.getByRole('heading', { name: 'Import your key into your vault' })).toBeVisible();
  await bridge.screenshot('1-before-sign-in');

  await signInOnRehearsalPage(page, signIn, { firstName: 'Alice', username: 'alice@holder1.rehearsal.example' }, async (tab) => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await tab.screenshot({ path: path.join(SCREENSHOT_DIR, 'import-2-rehearsal-sign-in-page.png') });
  });
  // The only copy in this data folder is suggested.
  await expect(page.getByLabel('Key-holder copy (file)')).toHaveValue(copyFile);

  const keyVersionId = await importThroughActivation(page, {
    copyFile,
    copyPassphrase: PASS[2]!,
    vaultUrl: vault.url,
    keyName: 'contoso-cmek-1',
    people,
    shot: (step) => bridge.screenshot(SHOTS[step]),
    // The supervisor cannot also be the keeper.
    atKeeperTurn: async () => {
      await join(page, 'Sam Supervisor');
      await expect(page.getByTestId('import-error')).toContainText('Each role needs a different person');
    },
  });

  const ws = await bridge.call('worksheet:get', {});
  expect(ws.ok && ws.value.holder1.keyIdentifier).toBe(keyVersionId);
  // Nothing on the page holds the copy's passphrase or a participant's after the hand-over.
  const html = await page.content();
  expect(html).not.toContain(PASS[2]!);
  expect(html).not.toContain('signing passphrase');

  // The Ceremony screen: the activation's participants and the import, read from the signed transcript.
  await page.getByRole('button', { name: 'Ceremony', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Ceremony', exact: true })).toBeVisible();
  const entries = page.getByTestId('ceremony-entries');
  await expect(entries).toContainText('activation.completed');
  await expect(entries).toContainText(keyVersionId);
  const participants = page.getByTestId('ceremony-participants');
  for (const [name, role] of [['Olive Operator', 'operator'], ['Sam Supervisor', 'supervisor'], ['Kim Keeper', 'keeper'], ['Noor Knower', 'knower']]) {
    await expect(participants.getByRole('row', { name: new RegExp(`${name} ${role}`) })).toBeVisible();
  }
  await expect(page.getByTestId('step-worksheet-saved:1')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('step-key-generated')).toContainText('first: Azure Information Worksheet saved (holder 1)');
  await bridge.screenshot('8-ceremony-screen');
  const view = await bridge.call('ceremony:view', {});
  expect(view.ok && view.value.ceremony).toBeTruthy();
  const transcriptFile = view.ok ? view.value.transcriptFile! : '';
  const lines = fs.readFileSync(transcriptFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; data: Record<string, unknown> });
  const lastPlan = lines.filter((l) => l.kind === 'ceremony.plan').at(-1)!.data as { participants: { name: string; roles: string[] }[] };
  expect(lastPlan.participants.map((p) => `${p.name}:${p.roles.join('+')}`)).toEqual(['Olive Operator:operator', 'Sam Supervisor:supervisor', 'Kim Keeper:keeper', 'Noor Knower:knower']);
  // The copy was made outside the app here, so the table had not reached this holder's activation: kept as signed deviations.
  // Each enrolment in the ceremony plan is recorded first.
  expect(lines.map((l) => (l.kind.startsWith('ceremony.step-') ? `${l.kind}:${String(l.data.step)}` : l.kind))).toEqual([
    'ceremony.opened',
    'ceremony.plan',
    'ceremony.plan',
    'ceremony.plan',
    'ceremony.plan',
    'ceremony.step-out-of-order:activation.attested',
    'activation.completed',
    'ceremony.step-out-of-order:vault.imported',
  ]);

  await page.getByLabel(/say why/).fill('rehearsal of the import only');
  await page.getByRole('button', { name: 'Close ceremony as abandoned' }).click();
  await expect(page.getByTestId('final-hash')).toHaveText(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
  await page.getByRole('button', { name: 'Export the ceremony report (PDF)' }).click();
  await expect(page.getByTestId('report-exported')).toContainText('.pdf');
  await bridge.screenshot('9-ceremony-closed');
  const pdfPath = (await page.getByTestId('report-exported').locator('.cer-mono').textContent())!;
  expect(fs.readFileSync(pdfPath).subarray(0, 5).toString()).toBe('%PDF-');

  // Reopening the app shows the same result from the record (no second import).
  await bridge.restart();
  await page.getByRole('button', { name: 'Import into your vault' }).click();
  await expect(page.getByTestId('line2')).toHaveText(keyVersionId);
  await expect(page.getByTestId('fingerprint-match')).toHaveText(/Fingerprint match/);
});
