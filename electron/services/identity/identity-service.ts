/**
 * Signing a key holder in to their own Entra tenant with MSAL's public client:
 * the system browser with auth code + PKCE and a loopback redirect (what
 * Microsoft recommends for desktop apps), or the device-code flow when a
 * browser on this computer is not an option. One account per tenant is kept;
 * tokens for Key Vault and Graph come from that account.
 */
import path from 'node:path';
import fs from 'node:fs';
import crypto from 'node:crypto';
import * as msal from '@azure/msal-node';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { KeyholderError } from '../../../shared/errors/index';
import type { SecretBox } from '../platform/secret-box';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import { SecretBoxCachePlugin, secretStoreUnavailable } from './cache-plugin';
import { agentNetworkClient } from './network';
import type { DeviceCodePrompt, IdentityConfig, OpenBrowser, SignedInAccount } from './types';

export interface IdentityDeps {
  dataDir: string;
  secretBox: SecretBox;
  clock: Clock;
  log: Logger;
  config: IdentityConfig;
  openBrowser?: OpenBrowser;
  /**
   * A terminal with no OS secret store (the CLI): tokens and the account
   * choice live in this process only and nothing about the sign-in is
   * written to the data folder, so the secret box is never needed.
   */
  memoryOnly?: boolean;
}

export type SignInMethod = 'browser' | 'device-code';

export interface SignInStart {
  flowId: string;
  method: SignInMethod;
  deviceCode?: DeviceCodePrompt;
}

const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT_DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;
const DEFAULT_INTERACTIVE_TIMEOUT_MS = 5 * 60_000;

interface TenantClient {
  pca: msal.PublicClientApplication;
  /** Null in memory-only mode: MSAL's own in-process cache, never persisted. */
  plugin: SecretBoxCachePlugin | null;
}

interface Flow {
  id: string;
  method: SignInMethod;
  tenantId: string;
  done: Promise<SignedInAccount>;
  cancel(): void;
}

interface Selection {
  active?: { tenantId: string; homeAccountId: string };
  tenants: string[];
}

export function checkTenant(tenantId: string): string {
  const t = tenantId.trim();
  if (!TENANT_ID.test(t) && !TENANT_DOMAIN.test(t)) {
    throw new KeyholderError(
      'identity.bad_tenant',
      'That is not a tenant ID. Use your directory (tenant) ID from the Azure portal (Microsoft Entra ID > Overview), e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47, or your tenant’s domain.',
    );
  }
  return t.toLowerCase();
}

function toAccount(a: msal.AccountInfo, tenantId: string): SignedInAccount {
  return { tenantId, homeAccountId: a.homeAccountId, username: a.username, ...(a.name ? { name: a.name } : {}) };
}

/** Turns MSAL's errors into ones a holder can act on; raw errors can carry codes and URLs. */
export function signInError(e: unknown, tenantId: string): KeyholderError {
  if (e instanceof KeyholderError) return e;
  if (e instanceof msal.InteractionRequiredAuthError) {
    return new KeyholderError('identity.sign_in_required', `Your sign-in to tenant ${tenantId} has expired or was revoked. Sign in again and continue; nothing you entered is lost.`, { tenantId });
  }
  const code = (e as { errorCode?: string }).errorCode ?? '';
  if (code === 'access_denied' || code === 'user_cancelled' || code === 'loopback_server_query_response_not_supported') {
    return new KeyholderError('identity.cancelled', 'Sign-in was cancelled. Start it again when you are ready.', { tenantId });
  }
  if (code === 'expired_token' || code === 'code_expired' || code === 'device_code_expired') {
    return new KeyholderError('identity.code_expired', 'The sign-in code expired before it was used. Ask for a new code and enter it within the time shown.', { tenantId });
  }
  const text = String((e as Error).message);
  if (/AADSTS7000218/.test(text)) {
    return new KeyholderError(
      'identity.public_client_off',
      'Your tenant treats Key Holder’s app registration as a confidential client: turn on App registrations > Key Holder > Authentication > Allow public client flows, and check the redirect URI http://localhost is under "Mobile and desktop applications" (docs/live-mode.md).',
      { tenantId },
    );
  }
  if (/AADSTS65001|consent_required/.test(text) || code === 'consent_required') {
    return new KeyholderError('identity.consent_required', 'Your account has not consented to Key Holder’s permissions: ask an administrator to grant admin consent on the app registration’s API permissions (docs/live-mode.md).', { tenantId });
  }
  if (code === 'invalid_client' || code === 'unauthorized_client' || /AADSTS700016|unauthorized_client|invalid_client/.test(String((e as Error).message))) {
    return new KeyholderError('identity.app_not_registered', 'Your tenant does not accept Key Holder’s application (client) ID. Check the live-mode settings against the app registration (docs/live-mode.md).', { tenantId });
  }
  if (code === 'invalid_tenant' || /AADSTS90002/.test(String((e as Error).message))) {
    return new KeyholderError('identity.tenant_not_found', `Tenant ${tenantId} was not found. Check the tenant ID in the Azure portal (Microsoft Entra ID > Overview).`, { tenantId });
  }
  if (code === 'endpoints_resolution_error' || code === 'network_error' || /ECONN|ENOTFOUND|EAI_AGAIN|fetch failed|timed out/i.test(String((e as Error).message))) {
    return new KeyholderError('identity.unreachable', `Key Holder could not reach the sign-in service for tenant ${tenantId}. Check the tenant ID, then the network connection (and proxy), and try again; nothing you entered is lost.`, { tenantId });
  }
  if (code === 'post_request_failed' || code === 'invalid_grant') {
    return new KeyholderError(
      'identity.refused',
      `The sign-in service refused Key Holder's request for tenant ${tenantId}. Check the tenant ID and the application (client) ID in the settings (docs/live-mode.md), then sign in again.`,
      { tenantId },
    );
  }
  return new KeyholderError('identity.failed', 'Sign-in did not complete. Try again; if it keeps failing, use the device-code option or contact your Azure administrator.', { tenantId });
}

export class IdentityService {
  private readonly clients = new Map<string, TenantClient>();
  private readonly flows = new Map<string, Flow>();
  private readonly dir: string;
  private memorySelection: Selection = { tenants: [] };

  constructor(private readonly deps: IdentityDeps) {
    this.dir = path.join(deps.dataDir, 'identity');
  }

  get config(): IdentityConfig {
    return this.deps.config;
  }

  private client(tenantId: string): TenantClient {
    const existing = this.clients.get(tenantId);
    if (existing) return existing;
    const { config } = this.deps;
    const plugin = this.deps.memoryOnly ? null : new SecretBoxCachePlugin(this.deps.secretBox, path.join(this.dir, `msal-cache-${tenantId}.bin`));
    const pca = new msal.PublicClientApplication({
      auth: {
        clientId: config.clientId,
        authority: `${config.authorityHost.replace(/\/$/, '')}/${tenantId}`,
        ...(config.knownAuthorities ? { knownAuthorities: config.knownAuthorities } : {}),
      },
      ...(plugin ? { cache: { cachePlugin: plugin } } : {}),
      system: {
        ...(config.agent ? { networkClient: agentNetworkClient(config.agent) } : {}),
        loggerOptions: { piiLoggingEnabled: false, logLevel: msal.LogLevel.Warning, loggerCallback: () => {} },
      },
    });
    const c = { pca, plugin };
    this.clients.set(tenantId, c);
    return c;
  }

  private selectionFile(): string {
    return path.join(this.dir, 'accounts.json');
  }

  private readSelection(): Selection {
    if (this.deps.memoryOnly) return this.memorySelection;
    try {
      const s = JSON.parse(fs.readFileSync(this.selectionFile(), 'utf8')) as Selection;
      return { tenants: Array.isArray(s.tenants) ? s.tenants.filter((t) => typeof t === 'string') : [], ...(s.active ? { active: s.active } : {}) };
    } catch {
      return { tenants: [] };
    }
  }

  private writeSelection(s: Selection): void {
    if (this.deps.memoryOnly) {
      this.memorySelection = s;
      return;
    }
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.selectionFile()}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(s), { mode: 0o600 });
    fs.renameSync(tmp, this.selectionFile());
  }

  /** Whether tokens can be held at all: in memory only, or sealed by an available secret box. */
  private tokensUsable(): boolean {
    return this.deps.memoryOnly === true || this.deps.secretBox.isAvailable();
  }

  private requireSecretStore(): void {
    if (!this.tokensUsable()) throw secretStoreUnavailable(this.deps.secretBox);
  }

  /** Keeps one account per tenant: a new sign-in replaces whoever was signed in there before. */
  private async adopt(tenantId: string, result: msal.AuthenticationResult | null): Promise<SignedInAccount> {
    if (!result?.account) throw new KeyholderError('identity.failed', 'Sign-in finished without an account. Try again.', { tenantId });
    const cache = this.client(tenantId).pca.getTokenCache();
    for (const other of await cache.getAllAccounts()) {
      if (other.homeAccountId !== result.account.homeAccountId) await cache.removeAccount(other);
    }
    const sel = this.readSelection();
    this.writeSelection({ tenants: [...new Set([...sel.tenants, tenantId])], active: { tenantId, homeAccountId: result.account.homeAccountId } });
    this.deps.log.info('holder signed in', { tenantId });
    return toAccount(result.account, tenantId);
  }

  /**
   * Starts a sign-in and returns as soon as the holder has something to do
   * (the browser is open, or the device code is known). `waitSignIn` gives
   * the outcome. MSAL's interactive call never settles on some bad answers,
   * so every flow carries its own timeout and can be cancelled.
   */
  async startSignIn(opts: { tenantId: string; method: SignInMethod; timeoutMs?: number; openBrowser?: OpenBrowser }): Promise<SignInStart> {
    const tenantId = checkTenant(opts.tenantId);
    this.requireSecretStore();
    for (const f of this.flows.values()) f.cancel();
    const id = crypto.randomUUID();
    const { pca } = this.client(tenantId);
    const scopes = [this.deps.config.vaultScope];

    let settle!: { resolve: (a: SignedInAccount) => void; reject: (e: unknown) => void };
    const done = new Promise<SignedInAccount>((resolve, reject) => (settle = { resolve, reject }));
    done.catch(() => {});
    let finished = false;
    const finish = (fn: () => void) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      this.flows.delete(id);
      fn();
    };

    let cancelMsal = () => {};
    const cancel = (err: KeyholderError) => {
      cancelMsal();
      finish(() => settle.reject(err));
    };
    const timeoutMs = opts.timeoutMs ?? DEFAULT_INTERACTIVE_TIMEOUT_MS;
    const timer = setTimeout(
      () => cancel(new KeyholderError('identity.timed_out', 'Sign-in did not finish in time. Start it again; if the browser page never loads, use the device-code option instead.', { tenantId })),
      timeoutMs,
    );
    timer.unref?.();
    const flow: Flow = {
      id,
      method: opts.method,
      tenantId,
      done,
      cancel: () => cancel(new KeyholderError('identity.cancelled', 'Sign-in was cancelled. Start it again when you are ready.', { tenantId })),
    };
    this.flows.set(id, flow);

    const track = (p: Promise<msal.AuthenticationResult | null>) =>
      p.then(
        (r) => this.adopt(tenantId, r).then((a) => finish(() => settle.resolve(a)), (e) => finish(() => settle.reject(signInError(e, tenantId)))),
        (e) => finish(() => settle.reject(signInError(e, tenantId))),
      );

    if (opts.method === 'device-code') {
      const request: msal.DeviceCodeRequest = {
        scopes,
        deviceCodeCallback: () => {},
      };
      const prompt = new Promise<DeviceCodePrompt>((resolve) => {
        request.deviceCodeCallback = (r) => {
          // MSAL calls back even when the service answered with an error instead of a code.
          if (!r?.userCode || !Number.isFinite(r.expiresIn)) return;
          resolve({
            userCode: r.userCode,
            verificationUri: r.verificationUri,
            expiresAt: new Date(this.deps.clock.now().getTime() + r.expiresIn * 1000).toISOString(),
            message: r.message,
          });
        };
      });
      // MSAL polls until it sees `cancel` on the request object it was given.
      cancelMsal = () => {
        request.cancel = true;
      };
      void track(pca.acquireTokenByDeviceCode(request));
      const first = await Promise.race([prompt, done.then(() => null, (e: unknown) => Promise.reject(e))]);
      if (!first) throw new KeyholderError('identity.failed', 'The sign-in service did not return a device code. Try again.', { tenantId });
      return { flowId: id, method: 'device-code', deviceCode: first };
    }

    const open = opts.openBrowser ?? this.deps.openBrowser;
    if (!open) throw new KeyholderError('identity.no_browser', 'Key Holder cannot open a browser here. Use the device-code option.');
    let opened!: () => void;
    const browserOpened = new Promise<void>((r) => (opened = r));
    void track(
      pca.acquireTokenInteractive({
        scopes,
        prompt: 'select_account',
        successTemplate: '<h1>Signed in</h1><p>You are signed in to Key Holder. Close this tab and return to the app.</p>',
        errorTemplate: '<h1>Sign-in failed</h1><p>Return to Key Holder and try again.</p>',
        openBrowser: async (url: string) => {
          cancelMsal = () => releaseLoopback(url);
          try {
            await open(url);
          } finally {
            opened();
          }
        },
      }),
    );
    await Promise.race([browserOpened, done.then(() => undefined)]);
    return { flowId: id, method: 'browser' };
  }

  async waitSignIn(flowId: string): Promise<SignedInAccount> {
    const f = this.flows.get(flowId);
    if (!f) throw new KeyholderError('identity.no_sign_in', 'There is no sign-in in progress (it may have finished or been cancelled). Start it again.');
    return f.done;
  }

  cancelSignIn(flowId?: string): void {
    for (const f of this.flows.values()) if (!flowId || f.id === flowId) f.cancel();
  }

  /** Convenience for the CLI and tests: start and wait. */
  async signIn(opts: Parameters<IdentityService['startSignIn']>[0] & { onDeviceCode?: (p: DeviceCodePrompt) => void }): Promise<SignedInAccount> {
    const s = await this.startSignIn(opts);
    if (s.deviceCode) opts.onDeviceCode?.(s.deviceCode);
    return this.waitSignIn(s.flowId);
  }

  async listAccounts(): Promise<SignedInAccount[]> {
    if (!this.tokensUsable()) return [];
    const out: SignedInAccount[] = [];
    for (const tenantId of this.readSelection().tenants) {
      for (const a of await this.client(tenantId).pca.getTokenCache().getAllAccounts()) out.push(toAccount(a, tenantId));
    }
    return out;
  }

  async activeAccount(): Promise<SignedInAccount | null> {
    const sel = this.readSelection();
    if (!sel.active) return null;
    const all = await this.listAccounts();
    return all.find((a) => a.tenantId === sel.active!.tenantId && a.homeAccountId === sel.active!.homeAccountId) ?? null;
  }

  /** The account picker: make one of the signed-in accounts the one Key Holder acts as. */
  async useAccount(homeAccountId: string, tenantId: string): Promise<SignedInAccount> {
    const found = (await this.listAccounts()).find((a) => a.homeAccountId === homeAccountId && a.tenantId === tenantId);
    if (!found) throw new KeyholderError('identity.unknown_account', 'That account is no longer signed in. Sign in again.');
    const sel = this.readSelection();
    this.writeSelection({ ...sel, active: { tenantId, homeAccountId } });
    return found;
  }

  /** Signs out of one tenant (or all): the accounts leave MSAL's cache and the sealed cache file is deleted. */
  async signOut(tenantId?: string): Promise<void> {
    const sel = this.readSelection();
    const tenants = tenantId ? [checkTenant(tenantId)] : sel.tenants;
    for (const t of tenants) {
      const c = this.client(t);
      if (this.tokensUsable()) {
        const cache = c.pca.getTokenCache();
        for (const a of await cache.getAllAccounts()) await cache.removeAccount(a);
      }
      c.plugin?.clear();
      this.clients.delete(t);
    }
    const left = sel.tenants.filter((t) => !tenants.includes(t));
    this.writeSelection({ tenants: left, ...(sel.active && left.includes(sel.active.tenantId) ? { active: sel.active } : {}) });
  }

  private async accountFor(tenantId: string): Promise<msal.AccountInfo> {
    this.requireSecretStore();
    const sel = this.readSelection();
    if (sel.tenants.includes(tenantId)) {
      const accounts = await this.client(tenantId).pca.getTokenCache().getAllAccounts();
      const a = accounts.find((x) => x.homeAccountId === sel.active?.homeAccountId) ?? accounts[0];
      if (a) return a;
    }
    throw new KeyholderError('identity.sign_in_required', `You are not signed in to tenant ${tenantId}. Sign in with your key-holder account and continue; nothing you entered is lost.`, { tenantId });
  }

  private resolveTenant(tenantId?: string): string {
    if (tenantId) return checkTenant(tenantId);
    const active = this.readSelection().active?.tenantId;
    if (active) return active;
    throw new KeyholderError('identity.sign_in_required', 'You are not signed in. Sign in with your key-holder account first.');
  }

  async getToken(scopes: string | string[], options: { tenantId?: string; claims?: string; forceRefresh?: boolean } = {}): Promise<AccessToken> {
    const tenantId = this.resolveTenant(options.tenantId);
    const account = await this.accountFor(tenantId);
    try {
      const r = await this.client(tenantId).pca.acquireTokenSilent({
        account,
        scopes: Array.isArray(scopes) ? scopes : [scopes],
        ...(options.claims ? { claims: options.claims, forceRefresh: true } : options.forceRefresh ? { forceRefresh: true } : {}),
      });
      return { token: r.accessToken, expiresOnTimestamp: (r.expiresOn ?? new Date(this.deps.clock.now().getTime() + 300_000)).getTime(), tokenType: 'Bearer' };
    } catch (e) {
      throw signInError(e, tenantId);
    }
  }

  /** A Graph token from the same account (for secret-expiry work). */
  graphToken(tenantId?: string, o: { forceRefresh?: boolean } = {}): Promise<AccessToken> {
    // forceRefresh: a service refused a token MSAL still thinks valid (a moved rehearsal clock, a revoked session).
    return this.getToken([this.deps.config.graphScope], { ...(tenantId ? { tenantId } : {}), ...(o.forceRefresh ? { forceRefresh: true } : {}) });
  }

  /**
   * The adapter @azure/keyvault-keys uses: it asks with the tenant named in the
   * vault's challenge, and with `claims` when the service demands fresh ones.
   */
  credential(preferredTenantId?: string): TokenCredential {
    return {
      getToken: async (scopes: string | string[], options?: GetTokenOptions) =>
        this.getToken(scopes, {
          ...((options?.tenantId ?? preferredTenantId) ? { tenantId: options?.tenantId ?? preferredTenantId } : {}),
          ...(options?.claims ? { claims: options.claims } : {}),
        }),
    };
  }
}

/**
 * MSAL's loopback server only closes once it receives an answer. On cancel or
 * timeout we send it an error answer ourselves (the state comes from the URL
 * it asked us to open), so the port is released and the pending call ends.
 */
function releaseLoopback(authorizeUrl: string): void {
  try {
    const u = new URL(authorizeUrl);
    const redirect = u.searchParams.get('redirect_uri');
    const state = u.searchParams.get('state');
    if (!redirect || !state || !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/?$/.test(redirect)) return;
    const target = new URL(redirect.replace('//localhost', '//127.0.0.1'));
    target.search = new URLSearchParams({ error: 'access_denied', error_description: 'cancelled in Key Holder', state }).toString();
    void fetch(target, { method: 'GET' }).catch(() => {});
  } catch {
    // Nothing to release.
  }
}
