/**
 * The holder's import as a key holder does it in the app, shared by the specs
 * that need it (import.spec.ts on one workstation, ceremony.spec.ts on each
 * holder's): sign in on the rehearsal sign-in page opened as the "system
 * browser", then import the key-holder copy through the Import screen's
 * supervised activation (operator, supervisor, keeper, knower: four different
 * people, each behind a hand-over screen), carry out, and see line 2 filled
 * and the fingerprint match.
 *
 *   const signIn = new SignInBrowser(browser);          // deps: { openBrowser: signIn.openBrowser }
 *   await page.getByRole('button', { name: 'Import into your vault' }).click();
 *   await signInOnRehearsalPage(page, signIn, { firstName: 'Alice', username: 'alice@…' });
 *   const line2 = await importThroughActivation(page, { copyFile, copyPassphrase, vaultUrl, keyName, people });
 */
import type { Browser, BrowserContext, Locator, Page } from '@playwright/test';
import { expect } from './fixtures';
import { TOKEN_HEADER, TOKEN_META } from '../bridge/client';

/**
 * The key holder picks their copy in the native file chooser: the bridge
 * plays the dialog (e2e/bridge/server.ts), answering the page's next
 * "Choose the file…" with `file`.
 */
/** `within`: the card or form whose chooser is meant, when a screen shows more than one (the Lifecycle screen). */
export async function chooseHolderCopy(page: Page, file: string, within: Page | Locator = page): Promise<void> {
  await answerFileChooser(page, file);
  await within.getByRole('button', { name: 'Choose the file…' }).click();
  await expect(within.getByTestId('holder-copy-path')).toHaveText(file);
}

/** The bridge's dialog will answer the page's next "Choose the file…" with `file` (for a refusal the test then clicks itself). */
export async function answerFileChooser(page: Page, file: string): Promise<void> {
  await page.evaluate(
    async ({ file, meta, header }) => {
      const token = document.querySelector<HTMLMetaElement>(`meta[name="${meta}"]`)?.content ?? '';
      const r = await fetch('/__bridge/choose-file', { method: 'POST', headers: { 'content-type': 'application/json', [header]: token }, body: JSON.stringify({ path: file }) });
      if (!r.ok) throw new Error(`the bridge's file chooser refused: ${r.status}`);
    },
    { file, meta: TOKEN_META, header: TOKEN_HEADER },
  );
}

/**
 * The holders' system browser: pages in a context of their own that accepts
 * the rehearsal CA's certificate (the app's Node side still verifies TLS
 * against that CA). Pass `openBrowser` to the bridge as a service dependency.
 */
export class SignInBrowser {
  readonly pages: Page[] = [];
  private context: BrowserContext | null = null;

  constructor(private readonly browser: Browser) {}

  readonly openBrowser = async (url: string): Promise<void> => {
    this.context ??= await this.browser.newContext({ ignoreHTTPSErrors: true });
    const p = await this.context.newPage();
    this.pages.push(p);
    await p.goto(url);
  };

  async close(): Promise<void> {
    await this.context?.close();
    this.context = null;
  }
}

/**
 * On the Import screen: "Sign in with the browser", pick the account on the
 * rehearsal sign-in page that opens, and wait until the app shows it signed in.
 */
export async function signInOnRehearsalPage(
  page: Page,
  signIn: SignInBrowser,
  account: { firstName: string; username: string },
  onSignInPage?: (tab: Page) => Promise<unknown>,
): Promise<void> {
  const before = signIn.pages.length;
  await page.getByRole('button', { name: 'Sign in with the browser' }).click();
  await expect.poll(() => signIn.pages.length).toBe(before + 1);
  const tab = signIn.pages[before]!;
  await expect(tab.getByRole('heading', { name: 'Pick an account' })).toBeVisible();
  await onSignInPage?.(tab);
  await tab.getByRole('button', { name: new RegExp(`Sign in as ${account.firstName}`) }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText(account.username);
}

/** The four people of a split-knowledge activation; the app refuses one person in two roles. */
export interface ImportPeople {
  operator: string;
  supervisor: string;
  keeper: string;
  knower: string;
}

/** Each participant's own signing passphrase, chosen at enrolment in the ceremony plan (support/participants.ts). Specs check none of it stays on the page. */
export const participantPassphrase = (name: string): string => `${name} signing passphrase`;

/** The hand-over screen between two people; `beforeContinue` sees it (e.g. a screenshot) before the next person continues. */
export async function handover(page: Page, who: string, beforeContinue?: () => unknown): Promise<void> {
  await expect(page.getByTestId('handover')).toContainText(`Hand the keyboard to ${who}`);
  await beforeContinue?.();
  await page.getByRole('button', { name: /^I am .*: continue$/ }).click();
}

export async function join(page: Page, name: string): Promise<void> {
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Your participant passphrase').fill(participantPassphrase(name));
  await page.getByRole('button', { name: 'Join' }).click();
}

export type ImportStep = 'form-filled' | 'handover-keeper' | 'knower-types' | 'supervisor-attests' | 'imported';

export interface ImportThroughActivation {
  /** Pick "I am Key holder N" (otherwise the screen's suggestion from the worksheet stands). */
  holder?: 1 | 2;
  copyFile: string;
  copyPassphrase: string;
  vaultUrl: string;
  keyName: string;
  people: ImportPeople;
  /** Called at each named moment, e.g. to save a screenshot. */
  shot?: (step: ImportStep) => Promise<unknown>;
  /** At the keeper's turn, before the keeper joins: e.g. try someone who already has a role. */
  atKeeperTurn?: () => Promise<unknown>;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * From the signed-in Import screen to "Imported and proven". Returns line 2
 * (the key version's identifier) as the screen shows it.
 */
export async function importThroughActivation(page: Page, o: ImportThroughActivation): Promise<string> {
  const { people } = o;
  if (o.holder) await page.getByLabel(`Key holder ${o.holder}`, { exact: true }).check();
  // The copy is picked in the file chooser (or among the copies this workstation made): never a typed path.
  if ((await page.getByTestId('holder-copy-path').textContent()) !== o.copyFile) await chooseHolderCopy(page, o.copyFile);
  // The form never asks for the copy's passphrase: only the knower types it, on their own turn.
  await expect(page.getByLabel('Passphrase of your copy')).toHaveCount(0);
  await page.getByLabel('Vault URL (worksheet line 1)').fill(o.vaultUrl);
  await page.getByLabel('Key name').fill(o.keyName);
  await page.getByLabel(/HSM-protected/).check();
  await o.shot?.('form-filled');
  await page.getByRole('button', { name: 'Start the supervised import' }).click();

  await handover(page, 'the operator');
  await join(page, people.operator);
  await handover(page, 'the supervisor');
  await join(page, people.supervisor);
  await handover(page, 'the keeper', () => o.shot?.('handover-keeper'));
  await o.atKeeperTurn?.();
  await join(page, people.keeper);
  await expect(page.getByTestId('copy-fingerprint')).toBeVisible();
  await page.getByRole('button', { name: 'Present the sealed copy' }).click();
  await handover(page, 'the knower');
  await join(page, people.knower);
  await page.getByLabel('Passphrase of the sealed copy').fill(o.copyPassphrase);
  await o.shot?.('knower-types');
  await page.getByRole('button', { name: 'Open' }).click();
  await expect(page.getByTestId('check-value')).toHaveText(/^[0-9A-F]{3} [0-9A-F]{3}/);
  await handover(page, 'the supervisor');
  await page.getByLabel('Your participant passphrase').fill(participantPassphrase(people.supervisor));
  await o.shot?.('supervisor-attests');
  await page.getByRole('button', { name: 'Sign the attestation' }).click();
  await handover(page, 'the operator');
  await page.getByRole('button', { name: /^Carry out:/ }).click();

  const line2 = page.getByTestId('line2');
  await expect(line2).toHaveText(new RegExp(`^${escapeRe(o.vaultUrl.replace(/\/+$/, ''))}/keys/${escapeRe(o.keyName)}/[0-9a-f]{32}$`), { timeout: 30_000 });
  await expect(page.getByTestId('fingerprint-match')).toHaveText(/Fingerprint match/);
  await expect(page.getByTestId('self-test')).toContainText('unwrap in the vault passed');
  await expect(page.getByTestId('self-test')).toContainText('HSM-protected');
  await expect(page.getByTestId('activation-wiped')).toBeVisible();
  const participants = page.getByTestId('activation-progress').getByRole('list', { name: 'Participants' });
  for (const [role, name] of Object.entries(people)) await expect(participants).toContainText(`${role} ${name}`);
  await o.shot?.('imported');
  return (await line2.textContent())!;
}
