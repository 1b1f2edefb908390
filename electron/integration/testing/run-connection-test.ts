/**
 * Test-only: runs the connection test in a Node process of its own that
 * trusts the rehearsal CA the way a workstation trusts a corporate root
 * (NODE_EXTRA_CA_CERTS, set by the caller), with no agent handed to the code
 * under test. The "browser" is scripted: it opens the sign-in page and clicks
 * the holder's name. Input: one JSON argument; output: the report as JSON.
 */
import { formBody, formsOf } from '../../rehearsal/testing/pages';
import { silentLogger } from '../../services/log/logger';
import { systemClock } from '../../services/platform/clock';
import { memorySecretBox } from '../../services/platform/memory-secret-box';
import { testConnection } from '../../services/settings/connection-test';
import type { LiveSettings } from '../../../shared/settings/live-settings';

const input = JSON.parse(process.argv[2] ?? '{}') as { settings: LiveSettings; vaultUrl: string; username: string };
const form = { 'content-type': 'application/x-www-form-urlencoded' };

async function browser(url: string): Promise<void> {
  const page = await (await fetch(url)).text();
  const pick = formsOf(page).find((f) => f.username === input.username);
  if (!pick) return; // an error page: the holder would see it; the app times out
  const back = await (await fetch(pick.action, { method: 'POST', headers: form, body: formBody(pick.fields) })).text();
  const post = formsOf(back)[0]!;
  void fetch(post.action, { method: 'POST', headers: form, body: formBody(post.fields) }).then((r) => r.text());
}

const report = await testConnection({ clock: systemClock, log: silentLogger, secretBox: memorySecretBox(), openBrowser: browser, signInTimeoutMs: 20_000 }, input.settings, input.vaultUrl);
process.stdout.write(JSON.stringify(report));
