/**
 * AWS sign-in through IAM Identity Center's device authorisation, as `aws sso
 * login` does it: register a public client with SSO OIDC, start a device
 * authorisation for the organisation's access portal (start URL), show the
 * holder the code and the page where they approve it, poll CreateToken
 * (authorization_pending keeps waiting, slow_down waits 5 seconds longer,
 * expired_token and access_denied end the attempt), then list the accounts
 * and roles the holder is assigned and fetch the chosen role's temporary
 * credentials from the access portal.
 *
 * The tokens (access token and its expiry, the refresh token, the client
 * registration it needs) and the chosen role are kept across restarts only
 * sealed with the SecretBox (`keeper`, aws-sign-in-keeper.ts); without a
 * keeper everything stays in memory. Nothing is ever written to ~/.aws, and
 * role credentials stay in memory. Role credentials are fetched again
 * shortly before they expire; an expired access token is renewed with the
 * refresh token; when that is refused too (or cannot be tried) the kept
 * sign-in is dropped and the holder asked to sign in again.
 */
import type https from 'node:https';
import { CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, StartDeviceAuthorizationCommand } from '@aws-sdk/client-sso-oidc';
import { GetRoleCredentialsCommand, ListAccountRolesCommand, ListAccountsCommand, LogoutCommand, SSOClient } from '@aws-sdk/client-sso';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { KeyholderError } from '../../../shared/errors/index';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import type { AwsSessionCredentials } from './aws-profiles';
import { isAwsApprovalUrl } from './sign-in-url';
import { awsSignInStoreUnavailable, type AwsSignInKeeper } from './aws-sign-in-keeper';

export interface IdentityCenterConfig {
  /** The organisation's AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start. */
  startUrl: string;
  /** The Region of the Identity Center instance (not necessarily the key's). */
  region: string;
  /** Endpoint overrides (as AWS_ENDPOINT_URL_SSO_OIDC / AWS_ENDPOINT_URL_SSO do); the rehearsal's double. */
  oidcEndpoint?: string;
  portalEndpoint?: string;
  /** Rehearsal only: an agent trusting the rehearsal CA and resolving *.localhost. */
  agent?: https.Agent;
}

export interface DeviceAuthorizationPrompt {
  flowId: string;
  userCode: string;
  verificationUri: string;
  /** The page with the code filled in: what the app opens in the browser. */
  verificationUriComplete: string;
  expiresAt: string;
}

export interface AwsRoleChoice {
  accountId: string;
  accountName: string;
  roleName: string;
}

export interface IdentityCenterStatus {
  state: 'signed-out' | 'waiting' | 'signed-in';
  /** While waiting: the code to compare with the browser's. */
  prompt?: Omit<DeviceAuthorizationPrompt, 'flowId'>;
  /** Signed in: the roles the holder may use, and the one in use. */
  roles?: AwsRoleChoice[];
  role?: AwsRoleChoice | null;
  /** When the sign-in ends unless refreshed (the access token's expiry). */
  sessionExpiresAt?: string;
  /** Signed out for a reason the holder should know (a kept sign-in expired, could not be opened or kept). */
  notice?: string;
}

export interface IdentityCenterDeps {
  config: IdentityCenterConfig;
  clock: Clock;
  log: Logger;
  /** Waiting between polls; tests move the rehearsal clock instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /** Keeps the sign-in across restarts, sealed (the SecretBox); absent: memory only. */
  keeper?: AwsSignInKeeper;
}

/** Role credentials are fetched again this long before they expire. */
const ROLE_REFRESH_MARGIN_MS = 5 * 60_000;
const SLOW_DOWN_STEP_S = 5;
const CLIENT_NAME = 'key-holder';

interface Registration {
  clientId: string;
  clientSecret: string;
  expiresAt: number;
}
interface Tokens {
  accessToken: string;
  refreshToken?: string;
  expiresAt: number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nameOf = (e: unknown) => (e as { name?: string })?.name ?? '';

export class AwsIdentityCenter {
  private readonly oidc: SSOOIDCClient;
  private readonly portal: SSOClient;
  private registration: Registration | null = null;
  private tokens: Tokens | null = null;
  private flow: { id: string; prompt: DeviceAuthorizationPrompt; done: Promise<AwsRoleChoice[]>; cancelled: boolean } | null = null;
  private roles: AwsRoleChoice[] = [];
  private role: AwsRoleChoice | null = null;
  private credentials: AwsSessionCredentials | null = null;
  private readonly sleep: (ms: number) => Promise<void>;
  private notice: string | null = null;

  constructor(private readonly d: IdentityCenterDeps) {
    const handler = d.config.agent ? { requestHandler: new NodeHttpHandler({ httpsAgent: d.config.agent }) } : {};
    this.oidc = new SSOOIDCClient({ region: d.config.region, ...(d.config.oidcEndpoint ? { endpoint: d.config.oidcEndpoint } : {}), ...handler, maxAttempts: 2 });
    this.portal = new SSOClient({ region: d.config.region, ...(d.config.portalEndpoint ? { endpoint: d.config.portalEndpoint } : {}), ...handler, maxAttempts: 2 });
    this.sleep = d.sleep ?? realSleep;
    this.restore();
  }

  /** Whether a session can still be used: its access token lasts, or the refresh token can renew it. */
  private usable(t: Tokens, reg: Registration | null): boolean {
    const now = this.now();
    return t.expiresAt > now + 60_000 || (!!t.refreshToken && !!reg && reg.expiresAt > now);
  }

  /** The sign-in kept sealed by an earlier run, if it is for these settings and still usable; else dropped (said why). */
  private restore(): void {
    const k = this.d.keeper;
    const loaded = k?.load();
    if (!k || !loaded) return;
    if ('problem' in loaded) {
      this.notice = loaded.problem;
      return;
    }
    const s = loaded.session;
    if (s.startUrl !== this.d.config.startUrl || s.region !== this.d.config.region) {
      k.drop();
      return;
    }
    if (!this.usable(s.tokens, s.registration)) {
      k.drop();
      this.notice = 'Your AWS sign-in expired while Key Holder was closed. Sign in again.';
      return;
    }
    this.registration = s.registration;
    this.tokens = s.tokens;
    this.roles = s.roles;
    this.role = s.role;
    this.d.log.info('aws identity center: kept sign-in restored', { roles: this.roles.length });
  }

  /** Seals the current sign-in for the next start (nothing when there is no keeper). */
  private keep(): void {
    const k = this.d.keeper;
    if (!k || !this.tokens || !this.registration) return;
    try {
      k.save({ startUrl: this.d.config.startUrl, region: this.d.config.region, registration: this.registration, tokens: this.tokens, roles: this.roles, role: this.role });
    } catch (e) {
      // Kept in memory for this run only; never written any other way.
      this.d.log.warn('aws identity center: sign-in could not be kept', { code: (e as KeyholderError).code ?? 'internal' });
    }
  }

  destroy(): void {
    this.wipe();
    this.oidc.destroy();
    this.portal.destroy();
  }

  private now(): number {
    return this.d.clock.now().getTime();
  }

  private async client(): Promise<Registration> {
    if (this.registration && this.registration.expiresAt > this.now() + 3600_000) return this.registration;
    const r = await this.call('register', () => this.oidc.send(new RegisterClientCommand({ clientName: CLIENT_NAME, clientType: 'public', scopes: ['sso:account:access'] })));
    this.registration = { clientId: r.clientId!, clientSecret: r.clientSecret!, expiresAt: (r.clientSecretExpiresAt ?? 0) * 1000 };
    return this.registration;
  }

  /** Starts a device authorisation and polls for its outcome in the background; `wait` gives the outcome. */
  async start(): Promise<DeviceAuthorizationPrompt> {
    this.cancel();
    // Fail closed: a sign-in that could only be kept in a plain file is not started.
    const unavailable = this.d.keeper?.unavailable();
    if (unavailable) throw awsSignInStoreUnavailable(unavailable);
    this.notice = null;
    const reg = await this.client();
    const a = await this.call('start', () => this.oidc.send(new StartDeviceAuthorizationCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, startUrl: this.d.config.startUrl })));
    const expected = { ssoRegion: this.d.config.region, ...(this.d.config.oidcEndpoint ? { oidcEndpoint: this.d.config.oidcEndpoint } : {}) };
    for (const u of [a.verificationUri, a.verificationUriComplete ?? a.verificationUri]) {
      if (!u || !isAwsApprovalUrl(u, expected)) {
        throw new KeyholderError('aws.approval_url_refused', 'IAM Identity Center answered with an approval page that is not AWS’s own device page for your Identity Center Region. Nothing was opened; check the start URL and Region in Settings.');
      }
    }
    const id = globalThis.crypto.randomUUID();
    const prompt: DeviceAuthorizationPrompt = {
      flowId: id,
      userCode: a.userCode!,
      verificationUri: a.verificationUri!,
      verificationUriComplete: a.verificationUriComplete ?? a.verificationUri!,
      expiresAt: new Date(this.now() + (a.expiresIn ?? 600) * 1000).toISOString(),
    };
    const flow = { id, prompt, cancelled: false, done: Promise.resolve([] as AwsRoleChoice[]) };
    flow.done = this.poll(reg, a.deviceCode!, a.interval ?? 5, flow);
    // The outcome is read through wait(); an unobserved failure must not become an unhandled rejection.
    flow.done.catch(() => undefined);
    this.flow = flow;
    this.d.log.info('aws identity center: device authorisation started', { expiresAt: prompt.expiresAt });
    return prompt;
  }

  private async poll(reg: Registration, deviceCode: string, interval: number, flow: { cancelled: boolean }): Promise<AwsRoleChoice[]> {
    let wait = interval;
    for (;;) {
      await this.sleep(wait * 1000);
      if (flow.cancelled) throw new KeyholderError('aws.sign_in_cancelled', 'The AWS sign-in was cancelled. Start it again when you are ready.');
      try {
        const t = await this.oidc.send(new CreateTokenCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, grantType: 'urn:ietf:params:oauth:grant-type:device_code', deviceCode }));
        if (flow.cancelled) throw new KeyholderError('aws.sign_in_cancelled', 'The AWS sign-in was cancelled. Start it again when you are ready.');
        this.tokens = { accessToken: t.accessToken!, ...(t.refreshToken ? { refreshToken: t.refreshToken } : {}), expiresAt: this.now() + (t.expiresIn ?? 3600) * 1000 };
        this.roles = await this.listRoles();
        this.role = this.roles.length === 1 ? this.roles[0]! : null;
        this.credentials = null;
        this.keep();
        this.d.log.info('aws identity center: signed in', { roles: this.roles.length });
        return this.roles;
      } catch (e) {
        switch (nameOf(e)) {
          case 'AuthorizationPendingException':
            continue;
          case 'SlowDownException':
            wait += SLOW_DOWN_STEP_S;
            continue;
          case 'ExpiredTokenException':
            throw new KeyholderError('aws.sign_in_expired', 'The code expired before it was approved in the browser (codes last 10 minutes). Start the sign-in again.');
          case 'AccessDeniedException':
            throw new KeyholderError('aws.sign_in_denied', 'The sign-in was denied in the browser. If that was not you, tell your AWS administrator; otherwise start again and choose Allow.');
          default:
            if (e instanceof KeyholderError) throw e;
            throw this.mapped('poll', e);
        }
      }
    }
  }

  /** The outcome of the flow `start` returned: the roles the holder may choose from. */
  async wait(flowId: string): Promise<AwsRoleChoice[]> {
    const f = this.flow;
    if (!f || f.id !== flowId) throw new KeyholderError('aws.sign_in_unknown', 'That AWS sign-in is no longer running. Start it again.');
    try {
      return await f.done;
    } finally {
      if (this.flow === f) this.flow = null;
    }
  }

  cancel(): void {
    if (this.flow) this.flow.cancelled = true;
  }

  private async listRoles(): Promise<AwsRoleChoice[]> {
    const token = this.tokens!.accessToken;
    const out: AwsRoleChoice[] = [];
    let next: string | undefined;
    do {
      const page = await this.call('accounts', () => this.portal.send(new ListAccountsCommand({ accessToken: token, maxResults: 50, ...(next ? { nextToken: next } : {}) })));
      for (const a of page.accountList ?? []) {
        let rNext: string | undefined;
        do {
          const roles = await this.call('roles', () => this.portal.send(new ListAccountRolesCommand({ accessToken: token, accountId: a.accountId!, maxResults: 50, ...(rNext ? { nextToken: rNext } : {}) })));
          for (const r of roles.roleList ?? []) out.push({ accountId: a.accountId!, accountName: a.accountName ?? a.accountId!, roleName: r.roleName! });
          rNext = roles.nextToken;
        } while (rNext);
      }
      next = page.nextToken;
    } while (next);
    return out;
  }

  /** Chooses the account and role the key store is managed with. */
  useRole(accountId: string, roleName: string): AwsRoleChoice {
    this.requireSignedIn();
    const r = this.roles.find((x) => x.accountId === accountId && x.roleName === roleName);
    if (!r) throw new KeyholderError('aws.role_unknown', `You are not assigned the role ${roleName} in account ${accountId}. Choose one of the roles listed, or ask your AWS administrator for access.`);
    if (this.role?.accountId !== r.accountId || this.role.roleName !== r.roleName) this.credentials = null;
    this.role = r;
    this.keep();
    return r;
  }

  status(): IdentityCenterStatus {
    if (this.flow) {
      const { flowId: _flowId, ...prompt } = this.flow.prompt;
      return { state: 'waiting', prompt };
    }
    if (this.tokens && !this.usable(this.tokens, this.registration)) {
      this.forget();
      this.notice = 'Your AWS sign-in has expired. Sign in again; nothing you entered is lost.';
    }
    if (!this.tokens) return { state: 'signed-out', ...(this.notice ? { notice: this.notice } : {}) };
    // A restored session whose access token lapsed is renewed on first use: no past time is shown as its end.
    const ends = this.tokens.expiresAt > this.now() ? { sessionExpiresAt: new Date(this.tokens.expiresAt).toISOString() } : {};
    return { state: 'signed-in', roles: this.roles, role: this.role, ...ends };
  }

  private requireSignedIn(): Tokens {
    if (!this.tokens) throw new KeyholderError('aws.not_signed_in', 'Sign in to AWS first (IAM Identity Center): Key Holder needs your role in the key’s account.');
    return this.tokens;
  }

  /** A fresh access token: the one held while it lasts, else renewed with the refresh token. */
  private async accessToken(): Promise<string> {
    const t = this.requireSignedIn();
    if (t.expiresAt > this.now() + 60_000) return t.accessToken;
    const reg = this.registration;
    if (!t.refreshToken || !reg) return this.expired();
    try {
      const n = await this.oidc.send(new CreateTokenCommand({ clientId: reg.clientId, clientSecret: reg.clientSecret, grantType: 'refresh_token', refreshToken: t.refreshToken }));
      this.tokens = { accessToken: n.accessToken!, refreshToken: n.refreshToken ?? t.refreshToken, expiresAt: this.now() + (n.expiresIn ?? 3600) * 1000 };
      this.keep();
      this.d.log.info('aws identity center: session renewed');
      return this.tokens.accessToken;
    } catch (e) {
      if (['InvalidGrantException', 'ExpiredTokenException', 'InvalidClientException', 'UnauthorizedClientException'].includes(nameOf(e))) return this.expired();
      throw this.mapped('refresh', e);
    }
  }

  private expired(): never {
    this.forget();
    throw new KeyholderError('aws.sign_in_expired', 'Your AWS sign-in has expired. Sign in again with IAM Identity Center; nothing you entered is lost.');
  }

  /**
   * The chosen role's temporary credentials, fetched again shortly before
   * they expire. The function form is what the SDK's `credentials` option takes.
   */
  async roleCredentials(): Promise<AwsSessionCredentials> {
    this.requireSignedIn();
    const role = this.role;
    if (!role) throw new KeyholderError('aws.role_not_chosen', 'Choose the AWS account and role you manage the key with.');
    const c = this.credentials;
    if (c?.expiration && c.expiration.getTime() - ROLE_REFRESH_MARGIN_MS > this.now()) return c;
    const token = await this.accessToken();
    let r;
    try {
      r = await this.portal.send(new GetRoleCredentialsCommand({ accessToken: token, accountId: role.accountId, roleName: role.roleName }));
    } catch (e) {
      if (nameOf(e) === 'UnauthorizedException') return this.expired();
      throw this.mapped('credentials', e);
    }
    const rc = r.roleCredentials!;
    this.credentials = { accessKeyId: rc.accessKeyId!, secretAccessKey: rc.secretAccessKey!, sessionToken: rc.sessionToken!, expiration: new Date(rc.expiration!) };
    return this.credentials;
  }

  /** For AwsKmsProvider's `credentials` option: the SDK calls it before each request and caches until `expiration`. */
  credentialProvider(): () => Promise<AwsSessionCredentials> {
    return () => this.roleCredentials();
  }

  /** Signs out at the portal (the tokens stop working) and forgets everything held here. */
  async signOut(): Promise<void> {
    this.cancel();
    this.flow = null;
    const t = this.tokens;
    this.forget();
    this.notice = null;
    if (t && t.expiresAt > this.now()) {
      try {
        await this.portal.send(new LogoutCommand({ accessToken: t.accessToken }));
      } catch (e) {
        // Signed out here regardless; the portal's session ends with the token's lifetime.
        this.d.log.warn('aws identity center: logout at the portal failed', { code: nameOf(e) });
      }
    }
  }

  /** Forgets what this process holds (the kept sign-in stays: `destroy` at shutdown or a settings change). */
  private wipe(): void {
    this.tokens = null;
    this.credentials = null;
    this.roles = [];
    this.role = null;
  }

  /** Forgets the sign-in here and the kept one (sign-out, expiry). */
  private forget(): void {
    this.wipe();
    this.d.keeper?.drop();
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.mapped(what, e);
    }
  }

  /** SDK errors in a holder's words; the SDK's own message (it may quote a URL) never leaves this file. */
  private mapped(what: string, e: unknown): KeyholderError {
    const name = nameOf(e);
    this.d.log.warn('aws identity center: call failed', { what, code: name });
    if (name === 'InvalidRequestException' && what === 'start') {
      return new KeyholderError('aws.bad_start_url', `IAM Identity Center does not know the start URL ${this.d.config.startUrl} in ${this.d.config.region}. Check the AWS access portal URL and its Region in Settings.`);
    }
    if (name === 'UnauthorizedException') return new KeyholderError('aws.sign_in_expired', 'Your AWS sign-in has expired. Sign in again with IAM Identity Center.');
    if (name === 'ResourceNotFoundException') return new KeyholderError('aws.role_unknown', 'That role is not (or no longer) assigned to you. Choose another, or ask your AWS administrator.');
    if (name === 'TooManyRequestsException') return new KeyholderError('aws.throttled', 'AWS is limiting requests right now. Wait a minute and try again.');
    const code = (e as { code?: string })?.code ?? '';
    if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|ECONNRESET|CERT|SELF_SIGNED/i.test(`${code} ${name}`)) {
      return new KeyholderError('aws.unreachable', `Key Holder cannot reach IAM Identity Center in ${this.d.config.region}. Check your network (and proxy), then try again.`);
    }
    return new KeyholderError('aws.sign_in_failed', `The AWS sign-in did not complete (${name || 'no answer'}). Try again; if it keeps failing, check the start URL and Region in Settings.`);
  }
}
