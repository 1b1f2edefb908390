/**
 * Test plumbing for the holder's sign-in and import against the rehearsal
 * cloud: the app's own identity and vault services, a scripted "browser"
 * that picks a user on the rehearsal sign-in page, and the admin API for
 * fault injection. The import runs as in the app: a supervised activation
 * (operator, supervisor, keeper presenting the holder copy, knower typing its
 * passphrase, the supervisor's attestation) whose purpose is the vault
 * import. Lives in electron/ because it joins the two walls (services and
 * the rehearsal cloud) that may not import each other.
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
import { VaultService, type ImportDraft, type ImportRecord, type WorksheetLine2 } from '../../services/vault/vault-service';
import type { ImportHooks } from '../../services/vault/provider';
import { importTarget, vaultImportPurpose } from '../../services/vault/import-purpose';
import { sealKey } from '../../services/escrow/seal';
import { serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { createCeremonyTranscripts } from '../../services/transcript/index';
import { testSecretBox } from '../../services/transcript/test-support';
import { createCeremonyService } from '../../services/ceremony/index';
import { createParticipantsService } from '../../services/participants/index';
import { createActivationService } from '../../services/activation/index';
import { createActivationDesk, type ActivationDesk } from '../../services/activation/desk';
import { enrolCast, walkSplitKnowledge, type SplitKnowledgeCast } from '../../services/activation/test-support';
import type { SecretBox } from '../../services/platform/secret-box';
import { systemClock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
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
  /** Writes a key-holder copy (the escrow format, one holder, test KDF); returns its path and key. */
  holderCopy(passphrase: string): { file: string; keyId: string; privateKey: crypto.KeyObject };
  /**
   * The import as the app runs it: the draft is saved, a supervised
   * activation opens the copy (the knower types `passphrase`), the
   * supervisor attests, and the purpose imports. `hooks` reach the provider
   * (a crash or a revoked token at a chosen moment).
   */
  supervisedImport(draft: ImportDraft, passphrase: string, hooks?: ImportHooks): Promise<NonNullable<ImportRecord['outcome']>>;
  /** The workstation's ceremony record: each entry's step (a deviation by the step it recorded) and who signed it. */
  recorded(): { kind: string; roles: string[] }[];
  close(): Promise<void>;
}

/** The four people of the import, each enrolled in the ceremony plan in their one role. */
export const IMPORT_CAST: SplitKnowledgeCast = { operator: 'Olive Operator', supervisor: 'Sam Supervisor', keeper: 'Kim Keeper', knower: 'Noor Knower' };
const signing = (name: string) => `${name} signing passphrase`;

/**
 * The import as the app runs it, on a workstation's own desk and vault
 * service: the draft is saved, a supervised activation opens the key-holder
 * copy (checked by the desk as the Import screen's door asks: an RSA copy),
 * the knower types `passphrase`, the supervisor attests, and the desk's
 * 'vault-import' purpose imports. The cast is enrolled in the plan first if
 * it is not in it. There is no other way to import in the tests.
 */
export async function importThroughActivation(
  w: { desk: ActivationDesk; vault: Pick<VaultService, 'saveDraft' | 'record'> },
  draft: ImportDraft,
  passphrase: string,
  o: { cast?: SplitKnowledgeCast; signing?: (name: string) => string } = {},
): Promise<NonNullable<ImportRecord['outcome']>> {
  const cast = o.cast ?? IMPORT_CAST;
  const sign = o.signing ?? signing;
  await enrolCast(w.desk, cast, sign);
  w.vault.saveDraft(draft);
  const v = await w.desk.start({ mode: 'split-knowledge', escrowFile: draft.holderCopyPath, keyType: 'RSA', purpose: { kind: 'vault-import', target: importTarget(draft), holder: draft.holder } });
  await walkSplitKnowledge(w.desk, v, { cast, signing: sign, passphrase });
  const out = w.vault.record()?.outcome;
  if (!out) throw new Error('the supervised import carried out no import');
  return out;
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
  const pendingCopies: Promise<void>[] = [];
  const vault = new VaultService({
    dataDir: path.join(dir, 'app'),
    clock: systemClock,
    log: silentLogger,
    provider: () => provider,
    worksheet: { recordKeyIdentifier: async (e) => void line2.entries.push(e) },
  });
  // The activation as the composition root wires it: steps recorded into the workstation's current ceremony.
  const appDir = path.join(dir, 'app');
  const transcript = createCeremonyTranscripts({ dataDir: appDir, secretBox: testSecretBox(), clock: systemClock });
  const ceremony = createCeremonyService({ dataDir: appDir, clock: systemClock, log: silentLogger, transcript });
  const workstationKey = () => ({ label: 'holder workstation', publicKey: transcript.ceremonyKey().publicKey, sign: transcript.ceremonyKey().sign });
  const participants = createParticipantsService({ dataDir: appDir, clock: systemClock, kdf: { N: 2 ** 10, r: 8, p: 1 }, workstation: workstationKey });
  let hooks: ImportHooks = {};
  const desk = createActivationDesk({
    activation: createActivationService({ transcript: { append: (c, kind, data, att) => ceremony.recordIn(c, kind, data, att) }, clock: systemClock, workstation: workstationKey }),
    participants,
    transcript,
    ceremony: () => ceremony.ensureOpen(),
    clock: systemClock,
    // The app's own purpose; only the provider's hooks are added, for fault injection.
    purposes: { 'vault-import': vaultImportPurpose({ record: () => vault.record(), importOpened: (d, c) => vault.importOpened(d, c, hooks) }) },
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
      const file = path.join(dir, `holder-key-holder-1-${keyId}.khescrow`);
      // sealKey is async: the file is written before the next import (supervisedImport waits for it).
      pendingCopies.push(
        sealKey(privateKey, { keyId, purpose: 'Key-holder copy for Key holder 1', created: new Date() }, [{ name: 'Key holder 1', passphrase }], 1, TEST_KDF).then((e) => fs.writeFileSync(file, serializeEscrow(e))),
      );
      return { file, keyId, privateKey };
    },
    async supervisedImport(draft, passphrase, h = {}) {
      await Promise.all(pendingCopies.splice(0));
      hooks = h;
      try {
        return await importThroughActivation({ desk, vault }, draft, passphrase);
      } finally {
        hooks = {};
      }
    },
    recorded() {
      return ceremony.entries().map((e) => ({ kind: e.kind === 'ceremony.step-out-of-order' ? String(e.data.step) : e.kind, roles: (e.attestations ?? []).map((a) => a.role) }));
    },
    async close() {
      await Promise.allSettled(pendingCopies.splice(0));
      identity.cancelSignIn();
      agent.destroy();
      await cloud.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
