/**
 * The AWS side of this workstation as the screens use it: the sign-in (IAM
 * Identity Center device authorisation, or a named profile) that gives the
 * key store (key-store-service.ts) its credentials, and the AWS part of the
 * worksheet (per holder: key ARN, vendor role ARN, cache time, the vendor's
 * Region) checked with the shared rules. The import, the key policies and the
 * lifecycle are the key store's (AwsKeyStoreService, AwsKmsLifecycle).
 *
 * Credentials stay in memory (AwsIdentityCenter, or the SDK's profile
 * resolver); nothing here writes them. What the holder typed is kept, wrong
 * or not, so no error loses it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type https from 'node:https';
import { KeyholderError, isKeyholderError } from '../../../../shared/errors/index';
import { CACHE_TIME, awsKeyLocation, checkCacheTime, checkDualParty, keyLocationOf, parseKeyArn, parseRoleArn, regionAdvice } from '../../../../shared/worksheet/aws';
import type { AwsSettings } from '../../../../shared/settings/key-store';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../log/logger';
import { AwsIdentityCenter, type AwsRoleChoice, type DeviceAuthorizationPrompt, type IdentityCenterStatus } from '../../identity/aws-identity-center';
import { credentialsFromProfile, type AwsSessionCredentials } from '../../identity/aws-profiles';
import type { AwsKmsAccess } from './key-store-service';
import type { SecretBox } from '../../platform/secret-box';
import { sealedAwsSignIn, type AwsSignInKeeper } from '../../identity/aws-sign-in-keeper';

export type Holder = 1 | 2;

/** Where and how: the holder's settings (or the rehearsal's), with the endpoints the rehearsal cloud adds. */
export interface AwsConnection {
  settings: AwsSettings;
  /** Identity Center endpoint overrides (rehearsal: the double's). */
  oidcEndpoint?: string;
  portalEndpoint?: string;
  /** Rehearsal only: an agent trusting the rehearsal CA and resolving *.localhost. */
  agent?: https.Agent;
}

export interface AwsWorksheetEntry {
  keyArn: string;
  vendorRoleArn: string;
  cacheMinutes: number;
  /** The Region of the vendor's instance (from the vendor's accounts page), for the advice only. */
  vendorRegion: string;
  /**
   * The holder's AWS account (12 digits), for a key Key Holder is to create:
   * with the settings' Region it says where the key store lives before any key
   * exists (what the vendor registers). A named key ARN says it by itself.
   * Absent in lines saved before it was asked.
   */
  accountId?: string;
}

export type AwsWorksheet = Partial<Record<`${Holder}`, AwsWorksheetEntry>>;

export interface AwsWorksheetCheck {
  /** Per field: what to correct (the shared rules' words); empty when the holder's line is fine. */
  problems: Partial<Record<keyof AwsWorksheetEntry | 'pair', string>>;
  advice: string | null;
}

export interface AwsWorkstationDeps {
  dataDir: string;
  clock: Clock;
  log: Logger;
  /** The effective AWS connection, or null when the workstation is not set up for AWS (settings say what to set). */
  connection: () => AwsConnection | null;
  /** Identity Center polls: tests move the rehearsal clock instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /** Keeps the Identity Center sign-in across restarts, sealed; absent: memory only (the terminal's store commands). */
  secretBox?: SecretBox;
}

/** Where the sealed Identity Center sign-in is kept. */
function awsSignInFile(dataDir: string): string {
  return path.join(dataDir, 'aws-kms', 'identity-center-sign-in.sealed');
}


function atomicWrite(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 1), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

const problemOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (isKeyholderError(e)) return (e as KeyholderError).message;
    throw e;
  }
};

const ACCOUNT = /^\d{12}$/;

/** The account a line names: its key ARN's, else the account ID typed for a key Key Holder is to create. */
function accountOf(entry: AwsWorksheetEntry): string | null {
  if (!problemOf(() => parseKeyArn(entry.keyArn))) return parseKeyArn(entry.keyArn).accountId;
  const typed = entry.accountId?.trim() ?? '';
  return ACCOUNT.test(typed) ? typed : null;
}

/** The worksheet's AWS line of one holder, checked with the shared rules, and against the other holder's line. */
function checkAwsWorksheet(holder: Holder, entry: AwsWorksheetEntry, other: AwsWorksheetEntry | undefined): AwsWorksheetCheck {
  const problems: AwsWorksheetCheck['problems'] = {};
  const account = entry.accountId?.trim() ?? '';
  // A key Key Holder is to create has no ARN yet: the account ID says where it will be.
  const keyArn = entry.keyArn.trim() || !account ? problemOf(() => parseKeyArn(entry.keyArn)) : undefined;
  if (keyArn) problems.keyArn = keyArn;
  const role = problemOf(() => parseRoleArn(entry.vendorRoleArn));
  if (role) problems.vendorRoleArn = role;
  const cache = problemOf(() => checkCacheTime(entry.cacheMinutes));
  if (cache) problems.cacheMinutes = cache;
  if (account && !ACCOUNT.test(account)) problems.accountId = 'The AWS account ID is 12 digits (AWS console: your name, top right > Account ID).';
  if (entry.vendorRegion && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(entry.vendorRegion)) problems.vendorRegion = 'The vendor’s Region is an AWS Region code such as eu-west-2 (the vendor’s accounts page shows it).';
  let advice: string | null = null;
  if (!keyArn && entry.keyArn.trim()) {
    const arn = parseKeyArn(entry.keyArn);
    if (account && !problems.accountId && arn.accountId !== account) problems.accountId = `The key ARN is in account ${arn.accountId}, not ${account}: enter the account the key is in, or leave the account empty.`;
    const a = problemOf(() => (advice = regionAdvice(arn.region, entry.vendorRegion || undefined)));
    if (a) problems.keyArn = a;
    if (other && !problemOf(() => parseKeyArn(other.keyArn)) && parseKeyArn(other.keyArn).arn === arn.arn) {
      problems.pair = `Key holder ${holder}’s key ARN is the same as the other holder’s: each holder enters their own key.`;
    }
  }
  const mine = accountOf(entry);
  const theirs = other ? accountOf(other) : null;
  if (!problems.pair && mine && theirs && mine === theirs) {
    const pair = problemOf(() => checkDualParty({ accountId: mine }, { accountId: theirs }));
    if (pair) problems.pair = pair;
  }
  if (other && !role && entry.vendorRoleArn.trim() && other.vendorRoleArn.trim() && other.vendorRoleArn.trim() !== entry.vendorRoleArn.trim()) {
    problems.vendorRoleArn = 'The vendor’s role ARN differs between the two holders’ lines: the vendor uses one role for both keys. Check which one your engagement manager sent.';
  }
  return { problems, advice };
}

/**
 * Where a line's key store lives (arn:aws:kms:{Region}:{account}), what the
 * vendor registers: the named key's, else the typed account in `region` (the
 * Region Key Holder creates the key in). Null while the line does not say.
 */
function awsLineLocation(entry: AwsWorksheetEntry, region: string | null): string | null {
  if (!problemOf(() => parseKeyArn(entry.keyArn))) return keyLocationOf(entry.keyArn);
  const account = entry.accountId?.trim() ?? '';
  if (!ACCOUNT.test(account) || !region) return null;
  const problem = problemOf(() => awsKeyLocation({ region, accountId: account }));
  return problem ? null : awsKeyLocation({ region, accountId: account });
}

export class AwsWorkstation {
  private readonly worksheetFile: string;
  private session: { key: string; ic: AwsIdentityCenter | null } | null = null;
  private profileCredentials: { profile: string; creds: AwsSessionCredentials } | null = null;

  private readonly keeper: AwsSignInKeeper | undefined;

  constructor(private readonly d: AwsWorkstationDeps) {
    this.worksheetFile = path.join(d.dataDir, 'worksheet', 'aws.json');
    this.keeper = d.secretBox ? sealedAwsSignIn(d.secretBox, awsSignInFile(d.dataDir), d.log) : undefined;
  }

  private connection(): AwsConnection {
    const c = this.d.connection();
    if (!c) throw new KeyholderError('aws.not_configured', 'This workstation is not set up for AWS KMS. In Settings, choose AWS KMS as the key store and enter the Region and how you sign in.');
    return c;
  }

  /** The session for the current settings: a change of settings starts a new one (and signs the old one out). */
  private current(): { ic: AwsIdentityCenter | null; conn: AwsConnection } {
    const conn = this.connection();
    const key = JSON.stringify([conn.settings, conn.oidcEndpoint, conn.portalEndpoint]);
    if (this.session?.key !== key) {
      this.session?.ic?.destroy();
      const s = conn.settings.signIn;
      const ic =
        s.method === 'identity-center'
          ? new AwsIdentityCenter({
              config: { startUrl: s.startUrl, region: s.ssoRegion, ...(conn.oidcEndpoint ? { oidcEndpoint: conn.oidcEndpoint } : {}), ...(conn.portalEndpoint ? { portalEndpoint: conn.portalEndpoint } : {}), ...(conn.agent ? { agent: conn.agent } : {}) },
              clock: this.d.clock,
              log: this.d.log,
              ...(this.d.sleep ? { sleep: this.d.sleep } : {}),
              ...(this.keeper ? { keeper: this.keeper } : {}),
            })
          : null;
      this.session = { key, ic };
      this.profileCredentials = null;
    }
    return { ic: this.session!.ic, conn };
  }

  private async fromProfile(conn: AwsConnection): Promise<AwsSessionCredentials> {
    const s = conn.settings.signIn;
    if (s.method !== 'profile') throw new KeyholderError('aws.not_configured', 'Choose a named profile in Settings.');
    const held = this.profileCredentials;
    if (held?.profile === s.profile && (!held.creds.expiration || held.creds.expiration.getTime() - 5 * 60_000 > this.d.clock.now().getTime())) return held.creds;
    const creds = await credentialsFromProfile(s.profile);
    this.profileCredentials = { profile: s.profile, creds };
    return creds;
  }

  /** The credentials of whoever is signed in now (the SDK asks before each request and caches until they expire). */
  private async credentials(): Promise<AwsSessionCredentials> {
    const { ic, conn } = this.current();
    return ic ? ic.roleCredentials() : this.fromProfile(conn);
  }

  /**
   * What the key store needs to reach KMS as this holder: the signed-in
   * credentials (always the current session's), the endpoint override and,
   * in rehearsal, the agent. Undefined while AWS is not set up here.
   */
  access(): AwsKmsAccess | undefined {
    const c = this.d.connection();
    if (!c) return undefined;
    return { credentials: () => this.credentials(), ...(c.settings.kmsEndpoint ? { endpoint: c.settings.kmsEndpoint } : {}), ...(c.agent ? { agent: c.agent } : {}) };
  }

  /* ---------- sign-in ---------- */

  signInStatus(): { method: 'identity-center' | 'profile' | null; region: string | null; status: IdentityCenterStatus; problem?: string } {
    const c = this.d.connection();
    if (!c) return { method: null, region: null, status: { state: 'signed-out' }, problem: 'This workstation is not set up for AWS KMS: choose AWS KMS in Settings.' };
    const { ic } = this.current();
    if (!ic) return { method: 'profile', region: c.settings.region, status: { state: 'signed-in', roles: [], role: null } };
    return { method: 'identity-center', region: c.settings.region, status: ic.status() };
  }

  private identityCenter(): AwsIdentityCenter {
    const { ic } = this.current();
    if (!ic) throw new KeyholderError('aws.profile_in_use', 'This workstation signs in to AWS with a named profile (Settings): there is no Identity Center sign-in to start.');
    return ic;
  }

  startSignIn(): Promise<DeviceAuthorizationPrompt> {
    return this.identityCenter().start();
  }

  waitSignIn(flowId: string): Promise<AwsRoleChoice[]> {
    return this.identityCenter().wait(flowId);
  }

  cancelSignIn(): void {
    this.identityCenter().cancel();
  }

  useRole(accountId: string, roleName: string): AwsRoleChoice {
    return this.identityCenter().useRole(accountId, roleName);
  }

  async signOut(): Promise<void> {
    const ic = this.session?.ic;
    this.profileCredentials = null;
    if (ic) await ic.signOut();
    // Also when no Identity Center session was built in this run (a mode switch): nothing kept outlives a sign-out.
    this.keeper?.drop();
  }

  /* ---------- the worksheet's AWS lines ---------- */

  worksheet(): AwsWorksheet {
    return readJson<AwsWorksheet>(this.worksheetFile) ?? {};
  }

  /** Saves one holder's line as typed (nothing is lost) and says what to correct. */
  saveWorksheet(holder: Holder, entry: AwsWorksheetEntry): { worksheet: AwsWorksheet; check: AwsWorksheetCheck } {
    const account = entry.accountId?.trim();
    const clean: AwsWorksheetEntry = { keyArn: entry.keyArn.trim(), vendorRoleArn: entry.vendorRoleArn.trim(), cacheMinutes: entry.cacheMinutes, vendorRegion: entry.vendorRegion.trim(), ...(account ? { accountId: account } : {}) };
    const ws = { ...this.worksheet(), [`${holder}`]: clean };
    atomicWrite(this.worksheetFile, ws);
    return { worksheet: ws, check: this.checkWorksheet(holder, ws) };
  }

  checkWorksheet(holder: Holder, ws = this.worksheet()): AwsWorksheetCheck {
    const mine = ws[`${holder}`];
    if (!mine) return { problems: {}, advice: null };
    return checkAwsWorksheet(holder, mine, ws[`${holder === 1 ? 2 : 1}`]);
  }

  /**
   * Where a holder's key store lives by their line (the named key's location,
   * or the typed account in the settings' Region): null while the line does
   * not say, or says it with a problem to correct.
   */
  location(holder: Holder, ws = this.worksheet()): string | null {
    const line = ws[`${holder}`];
    if (!line) return null;
    const p = this.checkWorksheet(holder, ws).problems;
    if (p.keyArn || p.accountId) return null;
    return awsLineLocation(line, this.d.connection()?.settings.region ?? null);
  }

  /** The cache time the vendor applies to this holder's key (the default until the holder enters one). */
  cacheSeconds(holder: Holder): number {
    return (this.worksheet()[`${holder}`]?.cacheMinutes ?? CACHE_TIME.defaultMinutes) * 60;
  }

  destroy(): void {
    this.session?.ic?.destroy();
    this.session = null;
  }
}
