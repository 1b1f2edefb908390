/**
 * The rehearsal cloud: one HTTPS server on loopback that behaves, for Key
 * Holder's needs, like Entra ID, Azure Key Vault (keys) and Microsoft Graph.
 *
 * Hosts: Entra, Graph (/v1.0) and the admin API (/admin) on
 * `localhost:{port}`; each vault on `{vault}.vault.rehearsal.localhost:{port}`.
 * Everything is implemented from Microsoft's public specifications and proven
 * with the official SDKs; nothing here may import the app's services.
 */
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureCertificates } from './certs';
import { type AuthCode, type CloudContext, type DeviceCode, GRAPH_RESOURCE, MANAGEMENT_RESOURCE, VAULT_DNS_SUFFIX, VAULT_RESOURCE, vaultHost } from './context';
import { handleEntra } from './entra/entra';
import { handleKeyVault } from './keyvault/keyvault';
import { handleGraph } from './graph/graph';
import { handleArm } from './arm/arm';
import { handleAdmin } from './admin/admin';
import { handleKms, kmsState } from './kms/kms';
import { KMS_HOST, DEFAULT_REGION as KMS_DEFAULT_REGION, type KmsState } from './kms/state';
import { AwsKmsSamenessProbe } from './control-plane/aws-probe';
import { handleOidc, handlePortal, identityCenterDescriptor } from './sso/identity-center';
import { OIDC_HOST, PORTAL_HOST } from './sso/directory';
import { FaultTable, type Family } from './admin/faults';
import { BodyTooLarge, sendJson } from './http';
import { TokenSigner } from './jwt';
import { StateStore } from './state';
import { AzureKeyStoreProbe, ReferenceControlPlane, createControlPlaneRouter } from './control-plane/index';
import { loopbackAgent, loadOrCreateAdminToken } from './control-plane/mount';

export interface RehearsalCloudOptions {
  /** 0 or absent: reuse the port of the last run if free, else any free port. */
  port?: number;
  /** State file; default `${dataDir}/rehearsal-state.json`. */
  stateFile?: string;
  /** Folder for state and certificates; default the state file's folder, else a new temporary folder. */
  dataDir?: string;
  /** Base clock; the cloud adds its persisted offset. */
  clock?: { now(): Date };
  /** Extra offset (ms) applied at start, on top of the persisted one. */
  clockOffsetMs?: number;
  adminEnabled?: boolean;
  tokenLifetimeSeconds?: number;
  deviceCodeIntervalSeconds?: number;
  /** How often the reference control plane re-checks primary keys (default 60 s). */
  controlPlaneStatusIntervalMs?: number;
  /**
   * Key Vault's delay before a deleted key appears under /deletedkeys and a
   * recovered key under /keys (404 KeyNotFound meanwhile), as Azure's takes a
   * few seconds. Default DEFAULT_KEYVAULT_PROPAGATION_MS; 0 for fast tests.
   */
  keyVaultPropagationMs?: number;
}

/** Azure's delete and recover take a few seconds to show; the pollers of the SDK and the app are written for it. */
export const DEFAULT_KEYVAULT_PROPAGATION_MS = 2000;

export interface RehearsalDescriptor {
  kind: 'keyholder-rehearsal-cloud';
  version: 1;
  port: number;
  caCertPath: string;
  stateFile: string;
  entraUrl: string;
  knownAuthorities: string[];
  vaultResource: string;
  vaultScope: string;
  vaultDnsSuffix: string;
  graphUrl: string;
  graphResource: string;
  graphScope: string;
  /** Azure Resource Manager's stand-in (vault properties: soft delete, purge protection, retention). */
  managementUrl: string;
  managementScope: string;
  adminUrl?: string;
  tenants: { id: string; displayName: string; domain: string; authority: string }[];
  users: { oid: string; tenantId: string; username: string; displayName: string }[];
  apps: { appId: string; objectId: string; tenantId: string; displayName: string; clientSecret?: string }[];
  vaults: { name: string; url: string; tenantId: string; softDelete: boolean; purgeProtection: boolean; retentionDays: number }[];
  /** The reference control plane mounted in this cloud (base URL for the app's control-plane client). */
  controlPlaneUrl: string;
  /** `sha256:…` of its sealing key: what the vendor would send out of band. */
  controlPlaneFingerprint: string;
  controlPlaneId: string;
  /** The vendor's admin token for /control-plane/admin/* (enrolments, registration decisions); rehearsal only. */
  controlPlaneAdminToken: string;
  /** The AWS KMS double: endpoint (any region, as signed), accounts and access keys (rehearsal only). */
  kms: RehearsalKmsDescriptor;
}

export interface RehearsalKmsDescriptor {
  endpoint: string;
  defaultRegion: string;
  principals: { label: string; accountId: string; arn: string; accessKeyId: string; secretAccessKey: string; sessionToken?: string }[];
  /** IAM Identity Center: the access portal's start URL, its Region, the OIDC and portal endpoints, who may sign in. */
  identityCenter: {
    startUrl: string;
    region: string;
    oidcEndpoint: string;
    portalEndpoint: string;
    users: { userName: string; displayName: string; assignments: { accountId: string; roleName: string }[] }[];
  };
}

export interface RehearsalCloud {
  readonly descriptor: RehearsalDescriptor;
  readonly port: number;
  readonly caCertPem: string;
  /** The reference control plane served under /control-plane. */
  readonly controlPlane: ReferenceControlPlane;
  /** Rebuilds the descriptor (vaults or secrets may have changed since start). */
  describe(): RehearsalDescriptor;
  stop(): Promise<void>;
}

function listen(server: https.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

function vendorRolePrincipal(kms: KmsState) {
  const p = kms.principals.find((x) => x.label === 'vendor role');
  if (!p) throw new Error('The rehearsal KMS has no vendor role; delete its state file to reseed it.');
  return p;
}

export async function startRehearsalCloud(options: RehearsalCloudOptions = {}): Promise<RehearsalCloud> {
  const dataDir = options.dataDir ?? (options.stateFile ? path.dirname(options.stateFile) : fs.mkdtempSync(path.join(os.tmpdir(), 'keyholder-rehearsal-')));
  fs.mkdirSync(dataDir, { recursive: true });
  const stateFile = options.stateFile ?? path.join(dataDir, 'rehearsal-state.json');
  const baseClock = options.clock ?? { now: () => new Date() };
  const store = StateStore.open(stateFile, baseClock.now());
  if (options.clockOffsetMs) {
    store.state.clockOffsetMs += options.clockOffsetMs;
    store.save();
  }
  const certs = await ensureCertificates(dataDir);
  let port = 0;
  const faults = new FaultTable();
  const ctx: CloudContext = {
    store,
    get state() {
      return store.state;
    },
    now: () => new Date(baseClock.now().getTime() + store.state.clockOffsetMs),
    port: () => port,
    baseUrl: () => `https://localhost:${port}`,
    signer: new TokenSigner(store.state.signingKey.kid, store.state.signingKey.privateKeyPem),
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    deviceCodeIntervalSeconds: options.deviceCodeIntervalSeconds ?? 1,
    authCodes: new Map<string, AuthCode>(),
    deviceCodes: new Map<string, DeviceCode>(),
    keyVaultPropagationMs: options.keyVaultPropagationMs ?? DEFAULT_KEYVAULT_PROPAGATION_MS,
    keyVaultInTransit: new Map(),
  };
  const adminEnabled = options.adminEnabled ?? false;

  // The vendor's side of the ceremony, served by this same server; it reaches the vaults like any outside client.
  const cpDir = path.join(dataDir, 'control-plane');
  const probeAgent = loopbackAgent(certs.caCertPem);
  const controlPlaneAdminToken = loadOrCreateAdminToken(cpDir);
  const controlPlane = await ReferenceControlPlane.create({
    dataDir: cpDir,
    controlPlaneId: CONTROL_PLANE_ID,
    name: 'Rehearsal control plane',
    adminToken: controlPlaneAdminToken,
    // The port is known only after listen(); the probe reads the authority host when it first signs in.
    probe: new AzureKeyStoreProbe({
      get authorityHost() {
        return ctx.baseUrl();
      },
      agent: probeAgent,
    }),
    // AWS KMS key stores (seed 002): the vendor's role reaches the holders' keys in the KMS double, like any outside client.
    awsProbe: new AwsKmsSamenessProbe({
      endpoint: () => `https://${KMS_HOST}:${port}`,
      agent: probeAgent,
      credentials: async () => {
        const p = vendorRolePrincipal(kmsState(ctx));
        return { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}) };
      },
    }),
    awsVendorRoleArn: vendorRolePrincipal(kmsState(ctx)).arn,
    now: () => ctx.now(),
    statusIntervalMs: options.controlPlaneStatusIntervalMs ?? 60_000,
  });
  const controlPlaneRouter = createControlPlaneRouter(controlPlane, { prefix: CONTROL_PLANE_PREFIX });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    const hostname = hostHeader.replace(/:\d+$/, '');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `https://${hostHeader || 'localhost'}`);
    } catch {
      return sendJson(res, 400, { error: { code: 'BadRequest', message: 'The request URL is not valid.' } });
    }
    if (hostname === KMS_HOST) return handleKms(ctx, req, res, faults);
    if (hostname === OIDC_HOST) return handleOidc(ctx, req, res, url);
    if (hostname === PORTAL_HOST) return handlePortal(ctx, req, res, url);
    const vaultName = hostname.endsWith(VAULT_DNS_SUFFIX) ? hostname.slice(0, -VAULT_DNS_SUFFIX.length) : undefined;
    const local = hostname === 'localhost' || hostname === '127.0.0.1';
    if (local && (await handleAdmin(ctx, faults, adminEnabled, req, res, url))) return;
    if (local && (await controlPlaneRouter(req, res))) return;
    const family: Family | undefined = vaultName !== undefined ? 'keyvault' : local ? (url.pathname.startsWith('/v1.0/') ? 'graph' : 'entra') : undefined;
    if (family) {
      const fault = faults.take(family, req.method ?? 'GET', url.pathname, vaultName);
      if (fault?.kind === 'latency') await new Promise((r) => setTimeout(r, fault.latencyMs));
      if (fault?.kind === 'reset') {
        // A TLS socket cannot always send a TCP RST; destroying it mid-request looks the same to a client.
        try {
          (req.socket as Socket).resetAndDestroy();
        } catch {
          req.socket.destroy();
        }
        return;
      }
      if (fault?.kind === 'status') {
        const headers = { 'retry-after': String(fault.retryAfterSeconds ?? 1) };
        const message = fault.status === 429 ? 'Rate limit exceeded. Try again after the time in Retry-After.' : 'The service is temporarily unavailable. Try again later.';
        if (family === 'entra') return sendJson(res, fault.status!, { error: 'temporarily_unavailable', error_description: `AADSTS50196: ${message}` }, headers);
        return sendJson(res, fault.status!, { error: { code: fault.status === 429 ? 'Throttled' : 'ServiceUnavailable', message } }, headers);
      }
    }
    if (vaultName !== undefined) {
      const vault = store.state.vaults.find((v) => v.name === vaultName);
      return handleKeyVault(ctx, vault, req, res, url, hostHeader);
    }
    if (local) {
      if (url.pathname === '/' || url.pathname === '/.well-known/rehearsal-cloud') return sendJson(res, 200, describe());
      if (await handleGraph(ctx, req, res, url)) return;
      if (await handleArm(ctx, req, res, url)) return;
      if (await handleEntra(ctx, req, res, url)) return;
      return sendJson(res, 404, { error: { code: 'NotFound', message: `Nothing at ${url.pathname} in the rehearsal cloud.` } });
    }
    return sendJson(res, 404, { error: { code: 'UnknownHost', message: `The rehearsal cloud does not serve ${hostname}. Vaults live at {name}${VAULT_DNS_SUFFIX}.` } });
  }

  const server = https.createServer({ cert: certs.serverCertPem, key: certs.serverKeyPem }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      // Never crash: an unexpected failure is a 500 in Key Vault's error shape.
      if (e instanceof BodyTooLarge && !res.headersSent) return sendJson(res, 400, { error: { code: 'BadParameter', message: 'The request body is too large.' } }, { connection: 'close' });
      process.stderr.write(`rehearsal cloud: ${(e as Error)?.stack ?? String(e)}\n`);
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'InternalError', message: 'The rehearsal cloud hit an unexpected error; see its log.' } });
      else res.destroy();
    });
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  const sockets = new Set<Socket>();
  server.on('connection', (raw) => {
    const s = raw as Socket;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const wanted = options.port ?? store.state.lastPort ?? 0;
  try {
    port = await listen(server, wanted);
  } catch (e) {
    if (options.port) throw e;
    port = await listen(server, 0);
  }
  if (store.state.lastPort !== port) {
    store.state.lastPort = port;
    store.save();
  }

  function describe(): RehearsalDescriptor {
    const s = store.state;
    const base = `https://localhost:${port}`;
    return {
      kind: 'keyholder-rehearsal-cloud',
      version: 1,
      port,
      caCertPath: certs.caCertPath,
      stateFile,
      entraUrl: base,
      knownAuthorities: [`localhost:${port}`],
      vaultResource: VAULT_RESOURCE,
      vaultScope: `${VAULT_RESOURCE}/.default`,
      vaultDnsSuffix: VAULT_DNS_SUFFIX,
      graphUrl: `${base}/v1.0`,
      graphResource: GRAPH_RESOURCE,
      graphScope: `${GRAPH_RESOURCE}/.default`,
      managementUrl: base,
      managementScope: `${MANAGEMENT_RESOURCE}/.default`,
      ...(adminEnabled ? { adminUrl: `${base}/admin` } : {}),
      controlPlaneUrl: `${base}${CONTROL_PLANE_PREFIX}`,
      controlPlaneFingerprint: controlPlane.sealingFingerprint,
      controlPlaneId: CONTROL_PLANE_ID,
      controlPlaneAdminToken,
      kms: {
        endpoint: `https://${KMS_HOST}:${port}`,
        defaultRegion: KMS_DEFAULT_REGION,
        // Temporary keys (Identity Center role credentials) belong to whoever signed in, not to the descriptor.
        principals: kmsState(ctx).principals.filter((p) => p.expiresAt === undefined).map((p) => ({
          label: p.label,
          accountId: p.accountId,
          arn: p.arn,
          accessKeyId: p.accessKeyId,
          secretAccessKey: p.secretAccessKey,
          ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}),
        })),
        identityCenter: identityCenterDescriptor(ctx),
      },
      tenants: s.tenants.map((t) => ({ ...t, authority: `${base}/${t.id}` })),
      users: s.users.map((u) => ({ ...u })),
      apps: s.apps.map((a) => ({
        appId: a.appId,
        objectId: a.objectId,
        tenantId: a.tenantId,
        displayName: a.displayName,
        ...(a.seedSecret ? { clientSecret: a.seedSecret.text } : {}),
      })),
      vaults: s.vaults.map((v) => ({
        name: v.name,
        url: `https://${vaultHost(ctx, v.name)}`,
        tenantId: v.tenantId,
        softDelete: v.softDelete,
        purgeProtection: v.purgeProtection,
        retentionDays: v.retentionDays,
      })),
    };
  }

  controlPlane.startStatusMonitor();
  const descriptor = describe();
  let stopped: Promise<void> | undefined;
  return {
    descriptor,
    port,
    caCertPem: certs.caCertPem,
    controlPlane,
    describe,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        controlPlane.stop();
        probeAgent.destroy();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      })),
  };
}


const CONTROL_PLANE_PREFIX = '/control-plane';
const CONTROL_PLANE_ID = 'rehearsal-control-plane';
