/**
 * Test plumbing for the holder's sign-in and import against the rehearsal
 * cloud: the app's own identity and vault services, a scripted "browser"
 * that picks a user on the rehearsal sign-in page, and the admin API for
 * fault injection. Lives in electron/ because it joins the two walls
 * (services and the rehearsal cloud) that may not import each other.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { agentFor, request } from '../../rehearsal/testing/sdk';
import { IdentityService } from '../../services/identity/identity-service';
import type { DeviceCodePrompt } from '../../services/identity/types';
import { AzureKeyVaultProvider } from '../../services/vault/azure-key-vault';
import { VaultService, type WorksheetLine2 } from '../../services/vault/vault-service';
import type { SecretBox } from '../../services/platform/secret-box';
import { systemClock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import { KeyholderError } from '../../../shared/errors/index';
import { identityOf } from '../../services/keys/source-key';
import { memorySecretBox } from '../../services/platform/memory-secret-box';

export function fakeBox(): SecretBox {
  return memorySecretBox();
}

function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) out[unescape(m[1]!)] = unescape(m[2]!);
  return out;
}

/**
 * What a holder's browser does on the rehearsal sign-in page: pick the user,
 * then let the auto-posting page hand the code to MSAL's loopback listener.
 */
export function scriptedBrowser(agent: https.Agent, oid: string | (() => string)): (url: string) => Promise<void> {
  return async (url: string) => {
    const u = new URL(url);
    const form = new URLSearchParams(u.searchParams);
    form.set('rehearsal_user', typeof oid === 'function' ? oid() : oid);
    const r = await request(agent, `${u.origin}${u.pathname}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    const action = /<form id="f" method="post" action="([^"]+)"/.exec(r.text)?.[1];
    if (!action) throw new Error(`the sign-in page did not post back: ${r.status}`);
    void fetch(action.replace(/&amp;/g, '&'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(hiddenFields(r.text)).toString() }).catch(() => {});
  };
}

/** The holder on another device: enters the code, picks the user. */
export async function completeDeviceCode(agent: https.Agent, p: DeviceCodePrompt, oid: string): Promise<void> {
  const body = new URLSearchParams({ code: p.userCode, rehearsal_user: oid }).toString();
  const r = await request(agent, p.verificationUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  if (r.status !== 200) throw new Error(`device login refused: ${r.status}`);
}

export interface Holder {
  n: 1 | 2;
  tenantId: string;
  oid: string;
  clientId: string;
  vaultName: string;
  vaultUrl: string;
}

export interface Harness {
  cloud: RehearsalCloud;
  agent: https.Agent;
  dir: string;
  holder(n: 1 | 2): Holder;
  identity: IdentityService;
  provider: AzureKeyVaultProvider;
  admin(method: 'POST' | 'DELETE', p: string, body?: unknown): Promise<unknown>;
  line2: { entries: Parameters<WorksheetLine2['recordKeyIdentifier']>[0][] };
  vault: VaultService;
  /** Writes an encrypted PKCS#8 "holder copy" for the test opener; returns its path and key. */
  holderCopy(passphrase: string): { file: string; keyId: string; privateKey: crypto.KeyObject };
  close(): Promise<void>;
}

/** Minimal holder-copy opener for these tests (the escrow service provides the real one). */
async function openTestCopy(file: string, passphrase: string) {
  const { keyId, pem } = JSON.parse(fs.readFileSync(file, 'utf8')) as { keyId: string; pem: string };
  let key: crypto.KeyObject | null;
  try {
    key = crypto.createPrivateKey({ key: pem, passphrase });
  } catch {
    throw new KeyholderError('escrow.wrong_passphrase', 'That passphrase does not open this key-holder copy.');
  }
  const fingerprint = identityOf(key).fingerprint;
  return {
    keyId,
    fingerprint,
    withPrivateKey: async <T>(use: (k: crypto.KeyObject) => Promise<T> | T): Promise<T> => {
      if (!key) throw new Error('disposed');
      return use(key);
    },
    dispose: () => {
      key = null;
    },
  };
}

export async function startHarness(o: { holder?: 1 | 2; retries?: number } = {}): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-import-'));
  const cloud = await startRehearsalCloud({ dataDir: path.join(dir, 'cloud'), adminEnabled: true, deviceCodeIntervalSeconds: 1 });
  const agent = agentFor(cloud);
  const d = cloud.descriptor;
  const holder = (n: 1 | 2): Holder => {
    const t = d.tenants[n - 1]!;
    const v = d.vaults.find((x) => x.tenantId === t.id)!;
    return { n, tenantId: t.id, oid: d.users.find((u) => u.tenantId === t.id)!.oid, clientId: d.apps.find((a) => a.tenantId === t.id)!.appId, vaultName: v.name, vaultUrl: v.url };
  };
  const me = holder(o.holder ?? 1);
  const identity = new IdentityService({
    dataDir: path.join(dir, 'app'),
    secretBox: fakeBox(),
    clock: systemClock,
    log: silentLogger,
    config: { clientId: me.clientId, authorityHost: d.entraUrl, knownAuthorities: d.knownAuthorities, vaultScope: d.vaultScope, graphScope: d.graphScope, agent },
    openBrowser: scriptedBrowser(agent, me.oid),
  });
  const provider = new AzureKeyVaultProvider({
    credential: identity.credential(),
    vaultSuffixes: [d.vaultDnsSuffix],
    agent,
    retryOptions: { maxRetries: o.retries ?? 2, retryDelayInMs: 10, maxRetryDelayInMs: 40 },
    kekSize: 2048,
  });
  const line2: Harness['line2'] = { entries: [] };
  const vault = new VaultService({
    dataDir: path.join(dir, 'app'),
    clock: systemClock,
    log: silentLogger,
    provider: () => provider,
    openHolderCopy: openTestCopy,
    worksheet: { recordKeyIdentifier: async (e) => void line2.entries.push(e) },
  });
  return {
    cloud,
    agent,
    dir,
    holder,
    identity,
    provider,
    line2,
    vault,
    async admin(method, p, body) {
      const text = body === undefined ? '' : JSON.stringify(body);
      // DELETE is not chunked by default in Node: without a length the body would be lost.
      const r = await request(agent, `${d.adminUrl}${p}`, { method, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }, body: text });
      if (r.status >= 300) throw new Error(`admin ${p}: ${r.status} ${r.text}`);
      return r.text ? r.json() : undefined;
    },
    holderCopy(passphrase) {
      const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      const keyId = crypto.randomUUID();
      const file = path.join(dir, `copy-${keyId}.json`);
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
      fs.writeFileSync(file, JSON.stringify({ keyId, pem }));
      return { file, keyId, privateKey };
    },
    async close() {
      identity.cancelSignIn();
      agent.destroy();
      await cloud.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
