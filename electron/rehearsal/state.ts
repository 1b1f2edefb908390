/**
 * Everything the rehearsal cloud remembers: tenants, users, app registrations
 * with their passwords, vaults with keys and deleted keys, refresh tokens and
 * the clock offset. One JSON file written atomically (temp file + rename), so
 * a rehearsal survives restarts and a crash never leaves half a file.
 *
 * Rehearsal key material is fake by design and sits here in the clear; the
 * file lives in the rehearsal's own folder, never with a live ceremony.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { KmsState } from './kms/state';
import { loadOrCreateRehearsalStorageKey, openStateKeys, sealStateKeys } from './state-seal';

export interface Tenant {
  id: string;
  displayName: string;
  domain: string;
}

export interface User {
  oid: string;
  tenantId: string;
  username: string;
  displayName: string;
}

export interface PasswordCredential {
  keyId: string;
  displayName: string | null;
  startDateTime: string;
  endDateTime: string;
  hint: string;
  /** SHA-256 of the secret text; the text itself is shown once and never kept. */
  secretHash: string;
}

export interface KeyCredential {
  keyId: string;
  displayName: string | null;
  startDateTime: string;
  endDateTime: string;
  type: string;
  usage: string;
}

export interface AppRegistration {
  appId: string;
  objectId: string;
  tenantId: string;
  displayName: string;
  createdDateTime: string;
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
  /** The seeded secret, kept so the descriptor can print it; gone once that credential is removed. */
  seedSecret?: { keyId: string; text: string };
  /** false: "Allow public client flows" is off, so a public client (no secret) cannot redeem codes (AADSTS7000218). Absent: on. */
  publicClientFlows?: boolean;
  /** Object ids of the owners (users or service principals); absent in older state files: anyone in the tenant. */
  owners?: string[];
  /** An appManagementPolicy assigned to this app; it replaces the tenant default for its new passwords. */
  appManagementPolicy?: { id: string; displayName: string; maxPasswordLifetime: string };
}

export interface KeyAttributesState {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
}

export interface KeyVersionState {
  version: string;
  kty: 'RSA' | 'RSA-HSM' | 'EC' | 'EC-HSM';
  keyOps: string[];
  /** PKCS#8 PEM of the private key: stays inside the double, never in a response. */
  privateKeyPem: string;
  /** RSA public key (base64url). */
  n?: string;
  e?: string;
  /** EC public key: Key Vault's curve name and the point (base64url). */
  crv?: string;
  x?: string;
  y?: string;
  attributes: KeyAttributesState;
  tags: Record<string, string>;
}

export interface RotationPolicyState {
  lifetimeActions: unknown[];
  attributes: { expiryTime?: string; created: number; updated: number };
}

export interface KeyState {
  name: string;
  versions: KeyVersionState[];
  rotationPolicy?: RotationPolicyState;
}

export interface DeletedKeyState extends KeyState {
  deletedDate: number;
  scheduledPurgeDate: number;
}

export interface Vault {
  name: string;
  tenantId: string;
  softDelete: boolean;
  purgeProtection: boolean;
  retentionDays: number;
  keys: Record<string, KeyState>;
  deletedKeys: Record<string, DeletedKeyState>;
}

export interface RoleAssignment {
  vaultName: string;
  principalId: string;
  /** Reader: sees the vault in Resource Manager only (no key operations); Crypto Officer: every key operation. */
  role: 'Key Vault Crypto Officer' | 'Reader';
}

export interface RefreshTokenState {
  hash: string;
  oid: string;
  tenantId: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

export interface CloudState {
  version: 1;
  /** Milliseconds added to the base clock (moved by the admin API or a start option). */
  clockOffsetMs: number;
  lastPort?: number;
  signingKey: { kid: string; privateKeyPem: string };
  tenants: Tenant[];
  users: User[];
  apps: AppRegistration[];
  vaults: Vault[];
  roleAssignments: RoleAssignment[];
  refreshTokens: RefreshTokenState[];
  /** Tokens issued before this instant (ms, cloud time) are refused: the admin's "expire all tokens". */
  tokensNotBefore: number;
  /** defaultAppManagementPolicy: the longest password lifetime Graph accepts (ISO 8601 duration). */
  maxPasswordLifetime: string;
  /** The AWS KMS double (accounts, access keys, keys); seeded on first use, so older state files stay readable. */
  kms?: KmsState;
}

const DEFAULT_MAX_PASSWORD_LIFETIME = 'P730D';

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A client secret in Entra's style: 40 characters, hint = its first three. */
export function newSecretText(): string {
  return crypto.randomBytes(30).toString('base64').replace(/\+/g, '~').replace(/\//g, '_').slice(0, 40);
}

export function newPasswordCredential(text: string, displayName: string | null, start: Date, end: Date): PasswordCredential {
  return {
    keyId: crypto.randomUUID(),
    displayName,
    startDateTime: start.toISOString(),
    endDateTime: end.toISOString(),
    hint: text.slice(0, 3),
    secretHash: sha256(text),
  };
}

function seedState(now: Date): CloudState {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const holders = [
    { n: 1, user: 'alice', display: 'Alice (key holder 1)' },
    { n: 2, user: 'bob', display: 'Bob (key holder 2)' },
  ];
  const state: CloudState = {
    version: 1,
    clockOffsetMs: 0,
    signingKey: { kid: crypto.randomBytes(16).toString('hex'), privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string },
    tenants: [],
    users: [],
    apps: [],
    vaults: [],
    roleAssignments: [],
    refreshTokens: [],
    tokensNotBefore: 0,
    maxPasswordLifetime: DEFAULT_MAX_PASSWORD_LIFETIME,
  };
  for (const h of holders) {
    const tenantId = crypto.randomUUID();
    const domain = `holder${h.n}.rehearsal.example`;
    state.tenants.push({ id: tenantId, displayName: `Key holder ${h.n} rehearsal tenant`, domain });
    const oid = crypto.randomUUID();
    state.users.push({ oid, tenantId, username: `${h.user}@${domain}`, displayName: h.display });
    const text = newSecretText();
    const cred = newPasswordCredential(text, 'rehearsal seed secret', now, new Date(now.getTime() + 365 * 24 * 3600_000));
    const app = {
      appId: crypto.randomUUID(),
      objectId: crypto.randomUUID(),
      tenantId,
      displayName: `Key Holder (holder ${h.n})`,
      createdDateTime: now.toISOString(),
      passwordCredentials: [cred],
      keyCredentials: [],
      seedSecret: { keyId: cred.keyId, text },
      owners: [oid],
    };
    state.apps.push(app);
    const vaultName = `holder${h.n}-vault`;
    state.vaults.push(newVault(vaultName, tenantId, { softDelete: true, purgeProtection: true, retentionDays: 90 }));
    state.roleAssignments.push(
      { vaultName, principalId: oid, role: 'Key Vault Crypto Officer' },
      { vaultName, principalId: app.appId, role: 'Key Vault Crypto Officer' },
    );
  }
  return state;
}

export function newVault(name: string, tenantId: string, o: { softDelete: boolean; purgeProtection: boolean; retentionDays: number }): Vault {
  return { name, tenantId, ...o, keys: {}, deletedKeys: {} };
}

export class StateStore {
  constructor(
    readonly file: string,
    public state: CloudState,
    /** Seals the vaults' private keys in the file (state-seal.ts); they are clear in memory only. */
    private readonly storageKey: Buffer = loadOrCreateRehearsalStorageKey(file),
  ) {}

  static open(file: string, now: Date): StateStore {
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, 'utf8');
      let parsed: CloudState;
      try {
        parsed = JSON.parse(text) as CloudState;
      } catch (e) {
        throw new Error(`The rehearsal cloud state file ${file} is not valid JSON (${(e as Error).message}). Move it aside to start a fresh rehearsal.`);
      }
      if (parsed.version !== 1) throw new Error(`The rehearsal cloud state file ${file} has unknown version ${String(parsed.version)}.`);
      const key = loadOrCreateRehearsalStorageKey(file);
      const { hadClear } = openStateKeys(parsed, key);
      const store = new StateStore(file, parsed, key);
      // A file from before keys were sealed: rewrite it at once, so no private key stays readable on disk.
      if (hadClear) store.save();
      return store;
    }
    const store = new StateStore(file, seedState(now));
    store.save();
    return store;
  }

  /** Atomic write: a reader (or a crash) sees the old file or the new one, never half of one. */
  save(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(sealStateKeys(this.state, this.storageKey), null, 1), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
