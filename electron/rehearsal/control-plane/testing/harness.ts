/**
 * Test-only helpers for the reference control plane: a standalone server over
 * HTTPS with the rehearsal CA, an HTTPS JSON client, and an envelope sealer
 * written directly against @hpke/core (not the app's sealing code, so the
 * contract tests would catch a bug shared by both).
 */
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { selfSignedLocalhost } from './tls';
import { startStandaloneControlPlane, type StandaloneControlPlane } from './server';
import type { Scheduler } from '../control-plane';
import type { Discovery, Holder } from '../../../../shared/control-plane/api';
import { FakeKeyStores, keyVersion } from './fake-key-stores';

export const ADMIN = 'admin-token-for-tests-0123456789';

export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read loosely-typed JSON answers
  json: any;
  raw: string;
}

export interface Harness {
  cp: StandaloneControlPlane;
  stores: FakeKeyStores;
  ca: string;
  dataDir: string;
  tls: { cert: string; key: string };
  api(method: string, p: string, body?: unknown, token?: string | null): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export function manualScheduler(): Scheduler & { tick(): void; active(): number } {
  const fns = new Set<() => void>();
  return {
    every(_ms, fn) {
      fns.add(fn);
      return () => fns.delete(fn);
    },
    tick: () => fns.forEach((f) => f()),
    active: () => fns.size,
  };
}

export async function startHarness(o: { scheduler?: Scheduler; dataDir?: string; stores?: FakeKeyStores; now?: () => Date } = {}): Promise<Harness> {
  const dataDir = o.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cp-'));
  const certs = selfSignedLocalhost(path.join(dataDir, 'tls'));
  const stores = o.stores ?? new FakeKeyStores();
  const tls = { cert: certs.cert, key: certs.key };
  const cp = await startStandaloneControlPlane({
    dataDir,
    controlPlaneId: 'cp-test',
    name: 'Test control plane',
    adminToken: ADMIN,
    probe: stores,
    tls,
    ...(o.scheduler ? { scheduler: o.scheduler, monitor: true } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  const agent = new https.Agent({ ca: certs.ca });
  const api: Harness['api'] = (method, p, body, token) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      const req = https.request(`${cp.baseUrl}${p}`, { method, agent, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          try {
            json = JSON.parse(raw);
          } catch {
            /* left null */
          }
          resolve({ status: res.statusCode ?? 0, json, raw });
        });
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  return {
    cp,
    stores,
    ca: certs.ca,
    dataDir,
    tls,
    api,
    close: async () => {
      agent.destroy();
      await cp.close();
    },
  };
}

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

export interface Address {
  controlPlaneId: string;
  apiVersion: string;
  environmentId: string;
  enrolmentId: string;
  holder: Holder;
  purpose: 'key-store-submission' | 'credential-update';
  /** Defaults to one more than the last envelope sealed here (each test gets ever-growing sequences). */
  sequence?: number;
}

let lastSequence = Date.now();

/** Seals `payload` exactly as the format document says; `header` overrides what the envelope claims, `sealFor` what it is bound to. */
export async function sealIndependently(
  discovery: Discovery,
  sealFor: Address,
  payload: unknown,
  header: Partial<Address & { keyFingerprint: string }> = {},
  recipientPublicKey?: Uint8Array,
): Promise<Record<string, unknown>> {
  const pub = recipientPublicKey ?? Buffer.from(discovery.sealing.publicKey, 'base64url');
  const sequence = sealFor.sequence ?? ++lastSequence;
  const info = Buffer.from(JSON.stringify(['keyholder-control-plane/info', sealFor.controlPlaneId, sealFor.apiVersion]));
  const aad = Buffer.from(
    JSON.stringify(['keyholder-control-plane/aad', sealFor.controlPlaneId, sealFor.apiVersion, sealFor.environmentId, sealFor.enrolmentId, sealFor.holder, sealFor.purpose, sequence]),
  );
  const sealed = await suite.seal({ recipientPublicKey: await suite.kem.deserializePublicKey(pub), info }, Buffer.from(JSON.stringify(payload)), aad);
  return {
    format: 'keyholder-sealed/1',
    apiVersion: sealFor.apiVersion,
    controlPlaneId: sealFor.controlPlaneId,
    keyFingerprint: `sha256:${createHash('sha256').update(pub).digest('hex')}`,
    environmentId: sealFor.environmentId,
    enrolmentId: sealFor.enrolmentId,
    holder: sealFor.holder,
    purpose: sealFor.purpose,
    sequence,
    enc: Buffer.from(sealed.enc).toString('base64url'),
    ciphertext: Buffer.from(sealed.ct).toString('base64url'),
    ...header,
  };
}

export function guid(): string {
  return globalThis.crypto.randomUUID();
}

let sharedKey: ReturnType<typeof FakeKeyStores.rsaKey> | undefined;

export interface HolderSetup {
  holder: Holder;
  token: string;
  enrolmentId: string;
  record: {
    holder: Holder;
    vaultDnsName: string;
    keyIdentifier: string;
    applicationId: string;
    clientSecret: string;
    tenantId: string;
    secretExpiresOn: string;
  };
}

/**
 * One environment with two holders, each with their own tenant, application,
 * vault and a copy of the same RSA key, enrolled and (unless told) registered.
 */
export async function setupEnvironment(
  h: Harness,
  environmentId: string,
  o: { register?: boolean; sameKey?: boolean; key?: ReturnType<typeof FakeKeyStores.rsaKey> } = {},
): Promise<{ holders: [HolderSetup, HolderSetup]; discovery: Discovery; key: ReturnType<typeof FakeKeyStores.rsaKey> }> {
  const discovery = (await h.api('GET', '/.well-known/keyholder-control-plane')).json as Discovery;
  // One RSA key serves every environment in a run (an RSA key may be reused; key identifiers may not), which keeps tests fast.
  const key = o.key ?? (sharedKey ??= FakeKeyStores.rsaKey());
  const other = o.sameKey === false ? FakeKeyStores.rsaKey() : key;
  const holders: HolderSetup[] = [];
  for (const holder of [1, 2] as const) {
    const tenantId = guid();
    const applicationId = guid();
    const clientSecret = `Sec~${randomBytes(24).toString('base64url')}`;
    h.stores.tenants.add(tenantId);
    h.stores.apps.set(applicationId, { tenantId, secret: clientSecret });
    const vaultDnsName = `${environmentId.toLowerCase()}-h${holder}-${randomBytes(3).toString('hex')}.vault.azure.net`;
    const keyIdentifier = h.stores.addVaultKey(vaultDnsName, keyVersion(), holder === 1 ? key : other);
    const enr = await h.api('POST', '/admin/enrolments', { environmentId, holder }, ADMIN);
    if (enr.status !== 201) throw new Error(`enrolment failed: ${enr.raw}`);
    const token = enr.json.token as string;
    if (o.register !== false) {
      const reg = await h.api('POST', '/v1/registrations', { vaultDnsName }, token);
      const ok = await h.api('POST', `/admin/registrations/${reg.json.registrationId}/approve`, {}, ADMIN);
      if (ok.status !== 200) throw new Error(`approve failed: ${ok.raw}`);
    }
    holders.push({
      holder,
      token,
      enrolmentId: enr.json.enrolmentId,
      record: { holder, vaultDnsName, keyIdentifier, applicationId, clientSecret, tenantId, secretExpiresOn: '2027-11-01T00:00:00Z' },
    });
  }
  return { holders: holders as [HolderSetup, HolderSetup], discovery, key };
}

export function address(discovery: Discovery, environmentId: string, s: HolderSetup, purpose: Address['purpose'] = 'key-store-submission'): Address {
  return { controlPlaneId: discovery.controlPlaneId, apiVersion: discovery.apiVersions[0]!, environmentId, enrolmentId: s.enrolmentId, holder: s.holder, purpose };
}

export async function submit(h: Harness, discovery: Discovery, environmentId: string, s: HolderSetup, record: unknown = s.record) {
  const env = await sealIndependently(discovery, address(discovery, environmentId, s), record);
  return h.api('POST', '/v1/key-stores', env, s.token);
}
