/**
 * A whole rehearsal world for the rotation: the rehearsal cloud (Entra,
 * Graph, two vaults holding the same key), the reference control plane on
 * the rehearsal CA with the real Azure probe, both key holders enrolled and
 * submitted, and holder 1's workstation (worksheet, expiry, control-plane
 * client, sign-in, rotation) on its own data folder. One movable clock drives
 * the cloud, the control plane and the workstation, as a rehearsal's clock
 * would. Lives in electron/integration because it joins services and the
 * rehearsal cloud.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import * as msal from '@azure/msal-node';
import { KeyClient } from '@azure/keyvault-keys';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { ensureCertificates } from '../../rehearsal/certs';
import { agentFor, clientCredential, msalConfig, request } from '../../rehearsal/testing/sdk';
import { startStandaloneControlPlane, type StandaloneControlPlane } from '../../rehearsal/control-plane/testing/server';
import { AzureKeyStoreProbe } from '../../rehearsal/control-plane/probe';
import { IdentityService } from '../../services/identity/identity-service';
import { rehearsalAzureEndpoints, type AzureEndpoints } from '../../services/identity/index';
import { ControlPlaneService } from '../../services/control-plane/service';
import { httpsTransport } from '../../services/control-plane/http';
import { createWorksheetService, type WorksheetService } from '../../services/worksheet/service';
import { openSettingsStore } from '../../services/storage/settings-store';
import { createExpiryServiceInDataDir, type ExpiryService } from '../../services/expiry/expiry-service';
import { CredentialRotationService, type CredentialRotationServiceDeps } from '../../services/credential-rotation/credential-rotation-service';
import { silentLogger } from '../../services/log/logger';
import { GraphClient } from '../../services/credential-rotation/graph-client';
import type { ServiceDeps } from '../../services/index';
import type { Clock } from '../../services/platform/clock';
import type { SecretBox } from '../../services/platform/secret-box';
import { fakeBox, scriptedBrowser } from '../import/harness';

const ADMIN_TOKEN = 'rotation-admin-token-0123456789abcdef';
const ENVIRONMENT = 'rotation-rehearsal';

/** The world's clock: real time plus an offset the test moves (the rehearsal's "move the clock"). */
export function movableClock(): Clock & { advance(ms: number): void; offsetMs(): number } {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => void (offset += ms), offsetMs: () => offset };
}

export interface Workstation {
  dataDir: string;
  identity: IdentityService;
  controlPlane: ControlPlaneService;
  worksheet: WorksheetService;
  expiry: ExpiryService;
  credentialRotation: CredentialRotationService;
  azure: AzureEndpoints;
}

export interface World {
  dir: string;
  clock: ReturnType<typeof movableClock>;
  cloud: RehearsalCloud;
  agent: https.Agent;
  cp: StandaloneControlPlane;
  app1: { appId: string; objectId: string; tenantId: string; seedSecret: string; seedKeyId: string };
  /** Holder 1's workstation; `restart` builds it again from its data folder (a crash and restart of the app). */
  ws: Workstation;
  restart(o?: Pick<CredentialRotationServiceDeps, 'wrapPorts'>): Workstation;
  admin(p: string, body: unknown): Promise<unknown>;
  /** Graph as an administrator would look (app-only token of app 1, which owns itself). */
  /** `identity`: whose sign-in to use (default this world's workstation; the e2e bridge passes its own). */
  passwords(identity?: IdentityService): Promise<{ keyId: string; displayName: string | null; endDateTime: string; hint: string }[]>;
  /** A client-credentials sign-in with this secret: 'ok', or Entra's AADSTS code. */
  signInWith(secret: string): Promise<string>;
  restartControlPlane(): Promise<void>;
  close(): Promise<void>;
}

function rsaJwk() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const j = privateKey.export({ format: 'jwk' });
  const b = (s?: string) => Buffer.from(s ?? '', 'base64url');
  return { kty: 'RSA' as const, n: b(j.n), e: b(j.e), d: b(j.d), p: b(j.p), q: b(j.q), dp: b(j.dp), dq: b(j.dq), qi: b(j.qi), keyOps: ['wrapKey', 'unwrapKey', 'encrypt', 'decrypt'] };
}

export async function startWorld(o: { box?: SecretBox } = {}): Promise<World> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-rotation-'));
  const clock = movableClock();
  const cloudDir = path.join(dir, 'cloud');
  const cloud = await startRehearsalCloud({ dataDir: cloudDir, adminEnabled: true, clock });
  const agent = agentFor(cloud);
  const d = cloud.descriptor;
  const certs = await ensureCertificates(cloudDir);

  // The same key in both holders' vaults, imported with each app's seeded secret.
  const shared = rsaJwk();
  const holders = d.apps.slice(0, 2).map((app) => ({ app, vault: d.vaults.find((v) => v.tenantId === app.tenantId)! }));
  const keyIds: string[] = [];
  for (const h of holders) {
    const cca = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, h.app.tenantId, h.app.appId, h.app.clientSecret));
    const kc = new KeyClient(h.vault.url, clientCredential(cca), { agent } as ConstructorParameters<typeof KeyClient>[2]);
    keyIds.push((await kc.importKey('primary', shared, {})).id!);
  }

  const cpDir = path.join(dir, 'control-plane');
  const probe = () => new AzureKeyStoreProbe({ authorityHost: d.entraUrl, agent });
  const cpOptions = { dataDir: cpDir, controlPlaneId: 'cp-rehearsal', name: 'Rehearsal control plane', adminToken: ADMIN_TOKEN, tls: { cert: certs.serverCertPem, key: certs.serverKeyPem }, now: () => clock.now() };
  let cp = await startStandaloneControlPlane({ ...cpOptions, probe: probe() });
  const cpApi = async (method: 'GET' | 'POST', p: string, body?: unknown, token = ADMIN_TOKEN) => {
    const r = await request(agent, `${cp.baseUrl}${p}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (r.status >= 300) throw new Error(`${p}: ${r.status} ${r.text}`);
    return r.json() as Record<string, string>;
  };
  const fingerprint = ((await cpApi('GET', '/.well-known/keyholder-control-plane')) as unknown as { sealing: { fingerprint: string } }).sealing.fingerprint;

  const env = (dataDir: string): ServiceDeps => ({
    dataDir,
    secretBox: box,
    clock,
    log: silentLogger,
    environment: { mode: 'rehearsal', description: 'rotation integration test' },
    appVersion: 'test',
    emit: () => {},
  });
  const box = o.box ?? fakeBox();
  const azure = rehearsalAzureEndpoints(d, agent, holders[0]!.app.tenantId);

  // Both holders enrol and submit their key stores; holder 2 from its own throwaway workstation.
  const submitHolder = async (n: 1 | 2, dataDir: string) => {
    const h = holders[n - 1]!;
    const enr = await cpApi('POST', '/admin/enrolments', { environmentId: ENVIRONMENT, holder: n });
    const svc = new ControlPlaneService({ dataDir, secretBox: box, clock, log: silentLogger, mode: 'rehearsal', transport: httpsTransport(agent) });
    await svc.connect({ baseUrl: cp.baseUrl, expectedFingerprint: fingerprint, enrolmentToken: enr.token! });
    const vaultDnsName = new URL(h.vault.url).host;
    const reg = await svc.requestRegistration(vaultDnsName);
    await cpApi('POST', `/admin/registrations/${reg.registrationId}/approve`, {});
    await svc.submit({ vaultDnsName, keyIdentifier: keyIds[n - 1]!, applicationId: h.app.appId, clientSecret: h.app.clientSecret!, tenantId: h.app.tenantId, secretExpiresOn: new Date(clock.now().getTime() + 300 * 86400_000).toISOString() });
  };
  const wsDir = path.join(dir, 'holder1');
  await submitHolder(2, path.join(dir, 'holder2'));
  await submitHolder(1, wsDir);

  const build = (o: Pick<CredentialRotationServiceDeps, 'wrapPorts'> = {}): Workstation => {
    const deps = env(wsDir);
    const identity = new IdentityService({
      dataDir: wsDir,
      secretBox: box,
      clock,
      log: silentLogger,
      config: azure.identity,
      openBrowser: scriptedBrowser(agent, d.users.find((u) => u.tenantId === holders[0]!.app.tenantId)!.oid),
    });
    const controlPlane = new ControlPlaneService({ dataDir: wsDir, secretBox: box, clock, log: silentLogger, mode: 'rehearsal', transport: httpsTransport(agent) });
    const worksheet = createWorksheetService(deps, openSettingsStore({ dir: wsDir, clock, log: silentLogger }));
    const expiry = createExpiryServiceInDataDir({ dataDir: wsDir, clock, log: silentLogger, worksheet, timeZone: () => 'UTC' });
    const rotation = new CredentialRotationService({ dataDir: wsDir, secretBox: box, clock, log: silentLogger, azure, identity, controlPlane, worksheet, expiry, ...o });
    return { dataDir: wsDir, identity, controlPlane, worksheet, expiry, credentialRotation: rotation, azure };
  };
  const ws = build();
  const h1 = holders[0]!;
  const empty = { vaultHost: '', keyIdentifier: '', clientId: '', tenantId: '', keyName: '', secretCreatedOn: '', secretExpiresOn: '', secret: { action: 'keep' as const } };
  await ws.worksheet.save({
    holder1: {
      vaultHost: new URL(h1.vault.url).host,
      keyIdentifier: keyIds[0]!,
      clientId: h1.app.appId,
      tenantId: h1.app.tenantId,
      keyName: 'primary',
      secretCreatedOn: clock.now().toISOString().slice(0, 10),
      secretExpiresOn: new Date(clock.now().getTime() + 365 * 86400_000).toISOString().slice(0, 10),
      secret: { action: 'set', value: h1.app.clientSecret! },
    },
    holder2: empty,
  });
  await ws.identity.signIn({ tenantId: h1.app.tenantId, method: 'browser' });

  const state = JSON.parse(fs.readFileSync(path.join(cloudDir, 'rehearsal-state.json'), 'utf8')) as { apps: { appId: string; objectId: string; passwordCredentials: { keyId: string }[] }[] };
  const app1 = { appId: h1.app.appId, objectId: h1.app.objectId, tenantId: h1.app.tenantId, seedSecret: h1.app.clientSecret!, seedKeyId: state.apps.find((a) => a.appId === h1.app.appId)!.passwordCredentials[0]!.keyId };

  const world: World = {
    dir,
    clock,
    cloud,
    agent,
    get cp() {
      return cp;
    },
    app1,
    ws,
    restart(o) {
      world.ws = build(o);
      return world.ws;
    },
    async admin(p, body) {
      const r = await request(agent, `${d.adminUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (r.status >= 300) throw new Error(`admin ${p}: ${r.status} ${r.text}`);
      return r.json();
    },
    async passwords(identity = world.ws.identity) {
      // Through Graph, on the holder's own delegated token (a fresh client: nothing shared with the rotation's).
      const graph = new GraphClient({ baseUrl: d.graphUrl, agent, token: async ({ forceRefresh }) => (await identity.graphToken(app1.tenantId, { forceRefresh })).token });
      return (await graph.getApplication(app1.appId)).passwordCredentials.map((p) => ({ keyId: p.keyId, displayName: p.displayName ?? null, endDateTime: p.endDateTime ?? '', hint: p.hint ?? '' }));
    },
    async signInWith(secret) {
      const cca = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, app1.tenantId, app1.appId, secret));
      try {
        await cca.acquireTokenByClientCredential({ scopes: [d.vaultScope], skipCache: true });
        return 'ok';
      } catch (e) {
        return /AADSTS(\d+)/.exec(String((e as Error).message))?.[0] ?? 'error';
      }
    },
    async restartControlPlane() {
      // A fresh probe: nothing cached from before the clock moved, as a control plane running for days would be.
      const port = cp.port;
      await cp.close();
      cp = await startStandaloneControlPlane({ ...cpOptions, probe: probe(), port });
    },
    async close() {
      world.ws.identity.cancelSignIn();
      await cp.close();
      agent.destroy();
      await cloud.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}
