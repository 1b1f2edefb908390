/**
 * The AWS side of this workstation as the screens use it: the sign-in (IAM
 * Identity Center device authorisation, or a named profile), the AWS part of
 * the worksheet (per holder: key ARN, vendor role ARN, cache time, the
 * vendor's Region), the import (the escrowed 256-bit key, opened only by a
 * supervised activation, into the holder's KMS key) with its record, the key
 * policy shown and diffed before it is applied, and the key's health.
 *
 * Credentials stay in memory (AwsIdentityCenter, or the SDK's profile
 * resolver); nothing here writes them. What the holder typed is kept before
 * anything is attempted, so no error loses it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type https from 'node:https';
import { KeyholderError, isKeyholderError, type KeyholderErrorShape } from '../../../../shared/errors/index';
import { CACHE_TIME, checkCacheTime, checkDualParty, parseKeyArn, parseRoleArn, regionAdvice } from '../../../../shared/worksheet/aws';
import type { AwsSettings } from '../../../../shared/settings/key-store';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../log/logger';
import { AwsIdentityCenter, type AwsRoleChoice, type DeviceAuthorizationPrompt, type IdentityCenterStatus } from '../../identity/aws-identity-center';
import { credentialsFromProfile } from '../../identity/aws-profiles';
import { symmetricFingerprint } from '../../keys/symmetric-key';
import { AwsKmsProvider, type AwsImportOutcome, type AwsKeyHealth, type PolicyProposal } from './provider';

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

export interface AwsImportDraft {
  holder: Holder;
  holderCopyPath: string;
  /** A pending key (Origin External) the holder created and names; empty: Key Holder creates one. */
  keyArn: string;
  /** Empty: the material does not expire; else the ISO date it expires (at most 365 days ahead). */
  validTo: string;
  wrappingAlgorithm: 'RSAES_OAEP_SHA_256' | 'RSA_AES_KEY_WRAP_SHA_256';
}

export interface AwsImportRecord {
  draft: AwsImportDraft;
  state: 'pending' | 'failed' | 'done';
  updatedAt: string;
  error?: KeyholderErrorShape;
  outcome?: AwsImportOutcome & { fingerprint: string; keyId: string };
}

export interface AwsWorksheetEntry {
  keyArn: string;
  vendorRoleArn: string;
  cacheMinutes: number;
  /** The Region of the vendor's instance (from the vendor's accounts page), for the advice only. */
  vendorRegion: string;
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
}

const DAY_MS = 86_400_000;

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

/** The worksheet's AWS line of one holder, checked with the shared rules, and against the other holder's line. */
export function checkAwsWorksheet(holder: Holder, entry: AwsWorksheetEntry, other: AwsWorksheetEntry | undefined): AwsWorksheetCheck {
  const problems: AwsWorksheetCheck['problems'] = {};
  const keyArn = problemOf(() => parseKeyArn(entry.keyArn));
  if (keyArn) problems.keyArn = keyArn;
  const role = problemOf(() => parseRoleArn(entry.vendorRoleArn));
  if (role) problems.vendorRoleArn = role;
  const cache = problemOf(() => checkCacheTime(entry.cacheMinutes));
  if (cache) problems.cacheMinutes = cache;
  if (entry.vendorRegion && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(entry.vendorRegion)) problems.vendorRegion = 'The vendor’s Region is an AWS Region code such as eu-west-2 (the vendor’s accounts page shows it).';
  let advice: string | null = null;
  if (!keyArn) {
    const arn = parseKeyArn(entry.keyArn);
    const a = problemOf(() => (advice = regionAdvice(arn.region, entry.vendorRegion || undefined)));
    if (a) problems.keyArn = a;
    if (other && !problemOf(() => parseKeyArn(other.keyArn))) {
      const o = parseKeyArn(other.keyArn);
      if (o.arn === arn.arn) problems.pair = `Key holder ${holder}’s key ARN is the same as the other holder’s: each holder enters their own key.`;
      else {
        const pair = problemOf(() => checkDualParty(arn, o));
        if (pair) problems.pair = pair;
      }
    }
  }
  if (other && !role && entry.vendorRoleArn.trim() && other.vendorRoleArn.trim() && other.vendorRoleArn.trim() !== entry.vendorRoleArn.trim()) {
    problems.vendorRoleArn = 'The vendor’s role ARN differs between the two holders’ lines: the vendor uses one role for both keys. Check which one your engagement manager sent.';
  }
  return { problems, advice };
}

export class AwsWorkstation {
  private readonly importFile: string;
  private readonly worksheetFile: string;
  private session: { key: string; ic: AwsIdentityCenter | null; provider: AwsKmsProvider | null } | null = null;
  private profileCredentials: { profile: string; creds: Awaited<ReturnType<typeof credentialsFromProfile>> } | null = null;
  private running = false;

  constructor(private readonly d: AwsWorkstationDeps) {
    this.importFile = path.join(d.dataDir, 'vault', 'aws-import.json');
    this.worksheetFile = path.join(d.dataDir, 'worksheet', 'aws.json');
  }

  private connection(): AwsConnection {
    const c = this.d.connection();
    if (!c) throw new KeyholderError('aws.not_configured', 'This workstation is not set up for AWS KMS. In Settings, choose AWS KMS as the key store and enter the Region and how you sign in.');
    return c;
  }

  /** The session for the current settings: a change of settings starts a new one (and signs the old one out). */
  private current(): { ic: AwsIdentityCenter | null; conn: AwsConnection; provider(): AwsKmsProvider } {
    const conn = this.connection();
    const key = JSON.stringify([conn.settings, conn.oidcEndpoint, conn.portalEndpoint]);
    if (this.session?.key !== key) {
      this.session?.ic?.destroy();
      this.session?.provider?.destroy();
      const s = conn.settings.signIn;
      const ic =
        s.method === 'identity-center'
          ? new AwsIdentityCenter({
              config: { startUrl: s.startUrl, region: s.ssoRegion, ...(conn.oidcEndpoint ? { oidcEndpoint: conn.oidcEndpoint } : {}), ...(conn.portalEndpoint ? { portalEndpoint: conn.portalEndpoint } : {}), ...(conn.agent ? { agent: conn.agent } : {}) },
              clock: this.d.clock,
              log: this.d.log,
              ...(this.d.sleep ? { sleep: this.d.sleep } : {}),
            })
          : null;
      this.session = { key, ic, provider: null };
      this.profileCredentials = null;
    }
    const session = this.session;
    return {
      ic: session.ic,
      conn,
      provider: () => {
        session.provider ??= new AwsKmsProvider({
          region: conn.settings.region,
          credentials: session.ic ? session.ic.credentialProvider() : () => this.fromProfile(conn),
          ...(conn.settings.kmsEndpoint ? { endpoint: conn.settings.kmsEndpoint } : {}),
          ...(conn.agent ? { agent: conn.agent } : {}),
        });
        return session.provider;
      },
    };
  }

  private async fromProfile(conn: AwsConnection) {
    const s = conn.settings.signIn;
    if (s.method !== 'profile') throw new KeyholderError('aws.not_configured', 'Choose a named profile in Settings.');
    const held = this.profileCredentials;
    if (held?.profile === s.profile && (!held.creds.expiration || held.creds.expiration.getTime() - 5 * 60_000 > this.d.clock.now().getTime())) return held.creds;
    const creds = await credentialsFromProfile(s.profile);
    this.profileCredentials = { profile: s.profile, creds };
    return creds;
  }

  provider(): AwsKmsProvider {
    return this.current().provider();
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
  }

  /* ---------- the worksheet's AWS lines ---------- */

  worksheet(): AwsWorksheet {
    return readJson<AwsWorksheet>(this.worksheetFile) ?? {};
  }

  /** Saves one holder's line as typed (nothing is lost) and says what to correct. */
  saveWorksheet(holder: Holder, entry: AwsWorksheetEntry): { worksheet: AwsWorksheet; check: AwsWorksheetCheck } {
    const clean: AwsWorksheetEntry = { keyArn: entry.keyArn.trim(), vendorRoleArn: entry.vendorRoleArn.trim(), cacheMinutes: entry.cacheMinutes, vendorRegion: entry.vendorRegion.trim() };
    const ws = { ...this.worksheet(), [`${holder}`]: clean };
    atomicWrite(this.worksheetFile, ws);
    return { worksheet: ws, check: this.checkWorksheet(holder, ws) };
  }

  checkWorksheet(holder: Holder, ws = this.worksheet()): AwsWorksheetCheck {
    const mine = ws[`${holder}`];
    if (!mine) return { problems: {}, advice: null };
    return checkAwsWorksheet(holder, mine, ws[`${holder === 1 ? 2 : 1}`]);
  }

  /** The cache time the vendor applies to this holder's key (the default until the holder enters one). */
  cacheSeconds(holder: Holder): number {
    return (this.worksheet()[`${holder}`]?.cacheMinutes ?? CACHE_TIME.defaultMinutes) * 60;
  }

  /* ---------- the import ---------- */

  record(): AwsImportRecord | null {
    return readJson<AwsImportRecord>(this.importFile);
  }

  private write(r: Omit<AwsImportRecord, 'updatedAt'>): void {
    atomicWrite(this.importFile, { ...r, updatedAt: this.d.clock.now().toISOString() });
  }

  /** Checks the draft the activation will carry out, before anyone is asked to hand over a copy. */
  checkDraft(draft: AwsImportDraft): AwsImportDraft {
    const d = { ...draft, keyArn: draft.keyArn.trim(), holderCopyPath: draft.holderCopyPath.trim(), validTo: draft.validTo.trim() };
    if (!d.holderCopyPath) throw new KeyholderError('vault.copy_missing', 'Choose your key-holder copy for AWS (the file made for you in the escrow step).');
    if (d.keyArn) {
      const arn = parseKeyArn(d.keyArn);
      const region = this.connection().settings.region;
      if (arn.region !== region) throw new KeyholderError('aws.wrong_region', `The key is in ${arn.region} but Key Holder is set to ${region}. Change the Region in Settings or give a key in ${region}.`);
    }
    if (d.validTo) {
      const t = Date.parse(d.validTo);
      const now = this.d.clock.now().getTime();
      if (Number.isNaN(t) || t <= now) throw new KeyholderError('aws.bad_valid_to', 'The expiry date of the key material must be a date in the future, or choose "does not expire".');
      if (t > now + 365 * DAY_MS) throw new KeyholderError('aws.bad_valid_to', 'AWS lets imported key material expire at most 365 days ahead. Choose an earlier date, or "does not expire".');
    }
    return d;
  }

  saveDraft(draft: AwsImportDraft): void {
    const prev = this.record();
    const same = prev?.state === 'done' && JSON.stringify(prev.draft) === JSON.stringify(draft);
    this.write({ draft, state: same ? 'done' : 'pending', ...(same && prev?.outcome ? { outcome: prev.outcome } : {}) });
  }

  /**
   * The import inside a supervised activation: the activation opened the
   * holder's copy and lends the raw 256-bit key for this call only; the caller wipes it.
   */
  async importOpened(draft: AwsImportDraft, material: Uint8Array, entry: { keyId: string; fingerprint: string }): Promise<NonNullable<AwsImportRecord['outcome']>> {
    if (this.running) throw new KeyholderError('vault.busy', 'An import is already running. Wait for it to finish.');
    this.running = true;
    this.write({ draft, state: 'pending' });
    try {
      if (material.length !== 32 || symmetricFingerprint(material) !== entry.fingerprint) {
        throw new KeyholderError('activation.wrong_key', 'The key opened is not the 256-bit key this holder copy names. Do not use this file.');
      }
      const secretKey = crypto.createSecretKey(Buffer.from(material));
      const out = await this.provider().importKey({
        secretKey,
        keyId: entry.keyId,
        fingerprint: entry.fingerprint,
        ...(draft.keyArn ? { keyArn: draft.keyArn } : {}),
        expiration: draft.validTo ? { model: 'KEY_MATERIAL_EXPIRES', validTo: new Date(draft.validTo) } : { model: 'KEY_MATERIAL_DOES_NOT_EXPIRE' },
        wrappingAlgorithm: draft.wrappingAlgorithm,
      });
      const full = { ...out, fingerprint: entry.fingerprint, keyId: entry.keyId };
      this.write({ draft, state: 'done', outcome: full });
      this.d.log.info('key imported into AWS KMS', { keyArn: out.keyArn, reused: out.reused });
      return full;
    } catch (e) {
      const err = isKeyholderError(e) ? (e as KeyholderError) : new KeyholderError('vault.failed', 'The import did not complete. Try again; nothing you entered is lost.');
      if (!isKeyholderError(e)) this.d.log.error('AWS import failed unexpectedly', { error: e });
      this.write({ draft, state: 'failed', error: err.toShape() });
      throw err;
    } finally {
      this.running = false;
    }
  }

  /** The imported key of this workstation (holder and key ARN), once the import is done. */
  held(): { holder: Holder; keyArn: string } | null {
    const r = this.record();
    return r?.state === 'done' && r.outcome ? { holder: r.draft.holder, keyArn: r.outcome.keyArn } : null;
  }

  /* ---------- the key policy ---------- */

  private vendorRole(holder: Holder): string {
    const line = this.worksheet()[`${holder}`];
    if (!line?.vendorRoleArn) throw new KeyholderError('aws.no_vendor_role', 'Enter the vendor’s role ARN on the AWS worksheet first: the key policy grants that role.');
    return parseRoleArn(line.vendorRoleArn).arn;
  }

  /** The policies Key Holder would write on the key and on its companion HMAC key (the vendor may only GenerateMac there), each diffed against the current one. */
  async proposePolicies(): Promise<{ primary: PolicyProposal; companion: PolicyProposal }> {
    const r = this.record();
    if (r?.state !== 'done' || !r.outcome) throw new KeyholderError('lifecycle.no_key_store', 'Import the key into AWS KMS first; the policy goes on that key.');
    const role = this.vendorRole(r.draft.holder);
    const p = this.provider();
    return { primary: await p.proposePolicy(r.outcome.keyArn, role), companion: await p.proposePolicy(r.outcome.companionArn, role, 'companion-hmac') };
  }

  /** Applies the policies the holder saw: refused if either changed in AWS since, or widens a grant the holder did not confirm. */
  async applyPolicies(req: { primarySha256: string; companionSha256: string; confirmWidening: boolean }): Promise<{ primary: PolicyProposal; companion: PolicyProposal }> {
    const now = await this.proposePolicies();
    if (now.primary.currentSha256 !== req.primarySha256 || now.companion.currentSha256 !== req.companionSha256) {
      throw new KeyholderError('aws.policy_changed', 'A key policy changed in AWS since Key Holder showed you the difference. Review the new difference before applying.');
    }
    const p = this.provider();
    await p.applyPolicy(now.primary, { widening: req.confirmWidening });
    await p.applyPolicy(now.companion, { widening: req.confirmWidening });
    this.d.log.info('key policies applied', { keyArn: now.primary.keyArn, companionArn: now.companion.keyArn });
    return this.proposePolicies();
  }

  health(): Promise<AwsKeyHealth> {
    const held = this.held();
    if (!held) throw new KeyholderError('lifecycle.no_key_store', 'Import the key into AWS KMS first.');
    return this.provider().health(held.keyArn);
  }

  destroy(): void {
    this.session?.ic?.destroy();
    this.session?.provider?.destroy();
    this.session = null;
  }
}
