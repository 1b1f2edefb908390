/**
 * The Azure Key Vault key store: software-protected import of the holder's
 * key as a JWK, or HSM-protected import through Azure's BYOK transfer (Key
 * Exchange Key + transfer blob), then proof that the vault holds the right
 * key. Everything goes through the official @azure/keyvault-keys clients with
 * an MSAL-backed TokenCredential.
 */
import crypto from 'node:crypto';
import type https from 'node:https';
import { CryptographyClient, KeyClient, parseKeyVaultKeyIdentifier, type JsonWebKey, type KeyClientOptions, type KeyVaultKey } from '@azure/keyvault-keys';
import type { TokenCredential } from '@azure/core-auth';
import { KeyholderError } from '../../../shared/errors/index';
import { identityOf, publicKeyFromModulus } from '../keys/source-key';
import { buildTransferBlob, transferBlobBytes } from './byok';
import { vaultError, type VaultOperation } from './errors';
import type {
  DeletedKeyInfo,
  ExistingImport,
  ImportHooks,
  ImportOutcome,
  ImportSpec,
  KeyStoreLifecycleProvider,
  KeyStoreProvider,
  KeyStoreTarget,
  KeyVersionHealth,
  KeyVersionInfo,
  SelfTest,
  VaultProtection,
} from './provider';
import { armVaultProtection, type ManagementEndpoint } from './arm';

/** Tag names on the imported key: the key's identity, never the key. */
export const TAG_KEY_ID = 'keyholder-key-id';
export const TAG_FINGERPRINT = 'keyholder-fingerprint-sha256';
const TAG_TOOL = 'keyholder-imported-by';

export interface AzureKeyVaultOptions {
  credential: TokenCredential;
  /** DNS suffixes a vault URL may end with (the cloud's, or the rehearsal's). */
  vaultSuffixes: string[];
  /** Rehearsal only: an agent trusting the rehearsal CA and resolving *.localhost. */
  agent?: https.Agent;
  /** The SDK's retry with exponential back-off; tests shorten it. */
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  /** Size of a Key Exchange Key this provider creates (Azure accepts 2048, 3072, 4096). */
  kekSize?: 2048 | 3072 | 4096;
  /** Extra KeyClient options (e.g. disableChallengeResourceVerification for a double). */
  clientOptions?: Partial<KeyClientOptions>;
  /** Azure Resource Manager (vault properties); without it soft delete and purge protection cannot be checked. */
  management?: ManagementEndpoint;
}

const KEY_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const DEFAULT_RETRY = { maxRetries: 4, retryDelayInMs: 800, maxRetryDelayInMs: 15_000 };
const SELF_TEST_ALG = 'RSA-OAEP-256';

export function checkKeyName(name: string): string {
  const n = name.trim();
  if (!KEY_NAME.test(n)) {
    throw new KeyholderError('vault.bad_key_name', 'A Key Vault key name uses only letters, digits and hyphens (1 to 127 characters), e.g. "acme-cmek-1".');
  }
  return n;
}

/** Accepts https://NAME.vault.azure.net (or the cloud's/rehearsal's suffix), with or without a trailing slash. */
export function checkVaultUrl(url: string, suffixes: string[]): string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw new KeyholderError('vault.bad_url', 'That is not a vault URL. Copy the Vault URI from the Azure portal (Key vault > Overview), e.g. https://contoso-keys.vault.azure.net/.');
  }
  const host = u.hostname.toLowerCase();
  const suffix = suffixes.find((s) => host.endsWith(s.toLowerCase()) && host.length > s.length);
  if (u.protocol !== 'https:' || !suffix || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username) {
    throw new KeyholderError('vault.bad_url', `A vault URL looks like https://NAME${suffixes[0] ?? '.vault.azure.net'}/ (worksheet line 1). Check it against the Azure portal (Key vault > Overview > Vault URI).`, {
      expected: suffixes.join(' or '),
    });
  }
  return `https://${u.host.toLowerCase()}`;
}

/** 404 for a missing key, as opposed to a missing vault (which must not look like "nothing imported yet"). */
function isKeyNotFound(e: unknown): boolean {
  const x = e as { statusCode?: number; code?: string };
  return x.statusCode === 404 && !/vault/i.test(x.code ?? '');
}

function b64u(v: Uint8Array | undefined): string {
  return v ? Buffer.from(v).toString('base64url') : '';
}

export class AzureKeyVaultProvider implements KeyStoreProvider, KeyStoreLifecycleProvider {
  readonly kind = 'azure-key-vault' as const;
  private readonly clients = new Map<string, KeyClient>();

  constructor(private readonly o: AzureKeyVaultOptions) {}

  private clientOptions(): KeyClientOptions {
    return {
      retryOptions: this.o.retryOptions ?? DEFAULT_RETRY,
      ...(this.o.agent ? { agent: this.o.agent } : {}),
      ...(this.o.clientOptions ?? {}),
    } as KeyClientOptions;
  }

  private client(vaultUrl: string): KeyClient {
    let c = this.clients.get(vaultUrl);
    if (!c) {
      c = new KeyClient(vaultUrl, this.o.credential, this.clientOptions());
      this.clients.set(vaultUrl, c);
    }
    return c;
  }

  private async step<T>(op: VaultOperation, vault: string, keyName: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw vaultError(e, { op, vault, ...(keyName ? { keyName } : {}) });
    }
  }

  /**
   * Each operation starts with fresh clients: the SDK's auth policy keeps its
   * token until near expiry, so after the holder signs in again (a revoked
   * token) an old client would keep presenting the refused one.
   */
  private fresh(): void {
    this.clients.clear();
  }

  async findImported(target: KeyStoreTarget, fingerprint: string): Promise<ExistingImport | null> {
    this.fresh();
    return this.existing(target, fingerprint);
  }

  private async existing(target: KeyStoreTarget, fingerprint: string): Promise<ExistingImport | null> {
    const vault = checkVaultUrl(target.location, this.o.vaultSuffixes);
    const name = checkKeyName(target.keyName);
    const matches: ExistingImport[] = [];
    try {
      for await (const p of this.client(vault).listPropertiesOfKeyVersions(name)) {
        if (p.tags?.[TAG_FINGERPRINT] === fingerprint && p.id && p.version) {
          matches.push({ keyVersionId: p.id, version: p.version, enabled: p.enabled !== false });
        }
      }
    } catch (e) {
      if (isKeyNotFound(e)) return null;
      throw vaultError(e, { op: 'list', vault, keyName: name });
    }
    return matches.find((m) => m.enabled) ?? matches[0] ?? null;
  }

  async importKey(spec: ImportSpec, hooks: ImportHooks = {}): Promise<ImportOutcome> {
    const vault = checkVaultUrl(spec.location, this.o.vaultSuffixes);
    const name = checkKeyName(spec.keyName);
    const ownFingerprint = identityOf(spec.privateKey).fingerprint;
    if (ownFingerprint !== spec.fingerprint) {
      throw new KeyholderError('vault.copy_mismatch', 'The opened key does not match the fingerprint recorded for it. Re-open your key-holder copy; do not import it.');
    }
    const managedHsm = /\.managedhsm\./.test(new URL(vault).hostname);
    if (managedHsm && spec.protection === 'software') {
      throw new KeyholderError('vault.hsm_only', 'A Managed HSM holds only HSM-protected keys. Choose "HSM-protected" to import into it.');
    }
    const keyOps = ['wrapKey', 'unwrapKey', ...(spec.allowEncryptDecrypt ? ['encrypt', 'decrypt'] : [])];

    // Resume: if the vault already accepted this exact key under this name, use that version.
    this.fresh();
    const existing = await this.existing({ location: vault, keyName: name }, spec.fingerprint);
    if (existing && !existing.enabled) {
      throw vaultError({ statusCode: 403, message: 'disabled' }, { op: 'import', vault, keyName: name });
    }

    let keyVersionId: string;
    let reused = false;
    if (existing) {
      keyVersionId = existing.keyVersionId;
      reused = true;
    } else {
      const tags = { [TAG_KEY_ID]: spec.keyId, [TAG_FINGERPRINT]: spec.fingerprint, [TAG_TOOL]: 'Key Holder' };
      const imported = spec.protection === 'hsm' ? await this.importHsm(vault, name, spec, keyOps, tags) : await this.importSoftware(vault, name, spec, keyOps, tags);
      if (!imported.id) throw new KeyholderError('vault.failed', 'The vault accepted the key but returned no identifier. Try again; Key Holder will find the imported key.');
      keyVersionId = imported.id;
    }
    await hooks.onAccepted?.(keyVersionId);
    return this.verify(vault, name, keyVersionId, spec, reused);
  }

  private async importSoftware(vault: string, name: string, spec: ImportSpec, keyOps: string[], tags: Record<string, string>): Promise<KeyVaultKey> {
    const jwk = spec.privateKey.export({ format: 'jwk' });
    const field = (k: keyof typeof jwk) => new Uint8Array(Buffer.from(String(jwk[k]), 'base64url'));
    const key: JsonWebKey = {
      kty: 'RSA',
      keyOps: keyOps as JsonWebKey['keyOps'],
      n: field('n'),
      e: field('e'),
      d: field('d'),
      p: field('p'),
      q: field('q'),
      dp: field('dp'),
      dq: field('dq'),
      qi: field('qi'),
    };
    try {
      return await this.step('import', vault, name, () => this.client(vault).importKey(name, key, { hardwareProtected: false, enabled: true, tags }));
    } finally {
      for (const v of [key.d, key.p, key.q, key.dp, key.dq, key.qi]) v?.fill(0);
    }
  }

  /** Name of the Key Exchange Key used for an import under `name` (reused across retries). */
  static kekName(name: string): string {
    return `${name.slice(0, 119)}-kek`;
  }

  private async keyExchangeKey(vault: string, name: string): Promise<{ kid: string; publicKey: crypto.KeyObject }> {
    const kekName = AzureKeyVaultProvider.kekName(name);
    const c = this.client(vault);
    let kek: KeyVaultKey | null = null;
    try {
      kek = await c.getKey(kekName);
    } catch (e) {
      if (!isKeyNotFound(e)) throw vaultError(e, { op: 'create-kek', vault, keyName: kekName });
    }
    const usable = kek && kek.properties.enabled !== false && kek.keyType === 'RSA-HSM' && (kek.keyOperations ?? []).join(',') === 'import';
    if (!usable) {
      kek = await this.step('create-kek', vault, kekName, () => c.createRsaKey(kekName, { hsm: true, keySize: this.o.kekSize ?? 4096, keyOps: ['import'] }));
    }
    if (!kek?.id || !kek.key?.n || !kek.key.e) throw new KeyholderError('vault.failed', 'The vault did not return the Key Exchange Key’s public key. Try again.');
    return { kid: kek.id, publicKey: publicKeyFromModulus(b64u(kek.key.n), b64u(kek.key.e)) };
  }

  private async importHsm(vault: string, name: string, spec: ImportSpec, keyOps: string[], tags: Record<string, string>): Promise<KeyVaultKey> {
    const kek = await this.keyExchangeKey(vault, name);
    const blob = buildTransferBlob(spec.privateKey, kek);
    const key: JsonWebKey = { kty: 'RSA-HSM', keyOps: keyOps as JsonWebKey['keyOps'], t: transferBlobBytes(blob) };
    return this.step('import', vault, name, () => this.client(vault).importKey(name, key, { hardwareProtected: true, enabled: true, tags }));
  }

  /**
   * Fetches the version back, recomputes the fingerprint from the vault's own
   * n and e, and runs the two-way self-test. CryptographyClient wraps RSA-OAEP
   * locally, so only unwrap (and RSA-OAEP-256 wrap) prove anything about what
   * the vault holds: both directions are used.
   */
  private async verify(vault: string, name: string, keyVersionId: string, spec: ImportSpec, reused: boolean): Promise<ImportOutcome> {
    const parsed = parseKeyVaultKeyIdentifier(keyVersionId);
    if (!/\/keys\//.test(new URL(keyVersionId).pathname) || !parsed.version || parsed.name !== name) {
      throw new KeyholderError('vault.failed', 'The vault returned an identifier that is not a key version of this key. Nothing was recorded; try again.');
    }
    const fetched = await this.step('read', vault, name, () => this.client(vault).getKey(name, { version: parsed.version! }));
    if (fetched.properties.enabled === false) throw vaultError({ statusCode: 403, message: 'disabled' }, { op: 'read', vault, keyName: name });
    const storePublic = publicKeyFromModulus(b64u(fetched.key?.n), b64u(fetched.key?.e));
    const storeFingerprint = identityOf(storePublic).fingerprint;
    const fingerprintMatches = storeFingerprint === spec.fingerprint;
    if (!fingerprintMatches) {
      throw new KeyholderError(
        'vault.fingerprint_mismatch',
        `The key in the vault (${name}, version ${parsed.version}) is not your key: its fingerprint differs. Do not use it; nothing was written to the worksheet. Disable that version in the Azure portal and contact the supervisor.`,
        { keyVersionId, storeFingerprint },
      );
    }
    const selfTest = await this.selfTest(keyVersionId, vault, name, spec.privateKey, storePublic);
    return {
      keyVersionId,
      version: parsed.version,
      reused,
      hardwareProtected: fetched.keyType === 'RSA-HSM',
      keyOps: [...(fetched.keyOperations ?? [])],
      storeFingerprint,
      fingerprintMatches,
      selfTest,
    };
  }

  private async selfTest(keyVersionId: string, vault: string, name: string, privateKey: crypto.KeyObject, publicKey: crypto.KeyObject): Promise<SelfTest> {
    const crypt = new CryptographyClient(keyVersionId, this.o.credential, this.clientOptions());
    const sample = crypto.randomBytes(32);
    const oaep256 = { padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
    try {
      const wrappedHere = crypto.publicEncrypt({ key: publicKey, ...oaep256 }, sample);
      const unwrapped = await this.step('self-test', vault, name, () => crypt.unwrapKey(SELF_TEST_ALG, wrappedHere));
      const unwrapInStore = Buffer.from(unwrapped.result).equals(sample);
      const wrapped = await this.step('self-test', vault, name, () => crypt.wrapKey(SELF_TEST_ALG, sample));
      let wrapInStore = false;
      try {
        wrapInStore = crypto.privateDecrypt({ key: privateKey, ...oaep256 }, Buffer.from(wrapped.result)).equals(sample);
      } catch {
        wrapInStore = false;
      }
      if (!unwrapInStore || !wrapInStore) {
        throw new KeyholderError(
          'vault.self_test_failed',
          `The vault's key did not pass the wrap/unwrap test (${!unwrapInStore ? 'unwrap in the vault' : 'wrap in the vault'} gave the wrong value). Do not use this key; nothing was written to the worksheet. Contact the supervisor.`,
          { keyVersionId },
        );
      }
      return { unwrapInStore, wrapInStore, algorithm: SELF_TEST_ALG };
    } finally {
      sample.fill(0);
    }
  }

  async recoverDeletedKey(target: KeyStoreTarget): Promise<void> {
    const vault = checkVaultUrl(target.location, this.o.vaultSuffixes);
    const name = checkKeyName(target.keyName);
    this.fresh();
    await this.step('recover', vault, name, async () => {
      const poller = await this.client(vault).beginRecoverDeletedKey(name, { intervalInMs: 250 });
      await poller.pollUntilDone();
    });
  }

  // ------------------------------------------------------------ lifecycle (revoke, pull, restore)

  private parseVersionId(keyVersionId: string): { vault: string; name: string; version: string } {
    let parsed: ReturnType<typeof parseKeyVaultKeyIdentifier>;
    try {
      parsed = parseKeyVaultKeyIdentifier(keyVersionId);
    } catch {
      throw new KeyholderError('vault.bad_key_identifier', 'That is not a key version identifier (https://VAULT/keys/NAME/VERSION, worksheet line 2).');
    }
    if (!/\/keys\//.test(new URL(keyVersionId).pathname) || !parsed.version) {
      throw new KeyholderError('vault.bad_key_identifier', 'That is not a key version identifier (https://VAULT/keys/NAME/VERSION, worksheet line 2).');
    }
    return { vault: checkVaultUrl(parsed.vaultUrl, this.o.vaultSuffixes), name: checkKeyName(parsed.name), version: parsed.version };
  }

  private static info(p: { id?: string; version?: string; enabled?: boolean; createdOn?: Date; updatedOn?: Date; tags?: Record<string, string> }): KeyVersionInfo {
    return {
      keyVersionId: p.id ?? '',
      version: p.version ?? '',
      enabled: p.enabled !== false,
      ...(p.createdOn ? { createdOn: p.createdOn.toISOString() } : {}),
      ...(p.updatedOn ? { updatedOn: p.updatedOn.toISOString() } : {}),
      ...(p.tags?.[TAG_FINGERPRINT] ? { fingerprint: p.tags[TAG_FINGERPRINT] } : {}),
    };
  }

  /**
   * Only a disabled or deleted key is "revoked". Anything that stops the
   * holder from looking (network, DNS, a refused sign-in, a missing role) is
   * "unavailable": the key's state cannot be assessed, and calling it revoked
   * would send people chasing a revocation nobody made.
   */
  async keyVersionHealth(keyVersionId: string): Promise<KeyVersionHealth> {
    const { vault, name, version } = this.parseVersionId(keyVersionId);
    this.fresh();
    try {
      const k = await this.client(vault).getKey(name, { version });
      const v = AzureKeyVaultProvider.info({ ...k.properties, id: k.id ?? keyVersionId });
      return v.enabled ? { state: 'available', version: v } : { state: 'revoked', reason: 'disabled', version: v };
    } catch (e) {
      const err = vaultError(e, { op: 'read', vault, keyName: name });
      if (err.code === 'vault.key_disabled') return { state: 'revoked', reason: 'disabled' };
      if (err.code === 'vault.key_not_found') {
        const deleted = await this.getDeletedKey({ location: vault, keyName: name }).catch(() => null);
        return deleted ? { state: 'revoked', reason: 'deleted', deleted } : { state: 'revoked', reason: 'not-found' };
      }
      return { state: 'unavailable', code: err.code, message: err.message };
    }
  }

  async listVersions(target: KeyStoreTarget): Promise<KeyVersionInfo[]> {
    const vault = checkVaultUrl(target.location, this.o.vaultSuffixes);
    const name = checkKeyName(target.keyName);
    this.fresh();
    const out: KeyVersionInfo[] = [];
    await this.step('list', vault, name, async () => {
      for await (const p of this.client(vault).listPropertiesOfKeyVersions(name)) out.push(AzureKeyVaultProvider.info(p));
    });
    return out;
  }

  async setVersionEnabled(keyVersionId: string, enabled: boolean): Promise<KeyVersionInfo> {
    const { vault, name, version } = this.parseVersionId(keyVersionId);
    this.fresh();
    const k = await this.step(enabled ? 'enable' : 'disable', vault, name, () => this.client(vault).updateKeyProperties(name, version, { enabled }));
    return AzureKeyVaultProvider.info({ ...k.properties, id: k.id ?? keyVersionId });
  }

  private static deletedInfo(name: string, d: { recoveryId?: string; deletedOn?: Date; scheduledPurgeDate?: Date; recoveryLevel?: string }): DeletedKeyInfo {
    return {
      keyName: name,
      ...(d.deletedOn ? { deletedOn: d.deletedOn.toISOString() } : {}),
      ...(d.scheduledPurgeDate ? { scheduledPurgeDate: d.scheduledPurgeDate.toISOString() } : {}),
      ...(d.recoveryId ? { recoveryId: d.recoveryId } : {}),
      ...(d.recoveryLevel ? { recoveryLevel: d.recoveryLevel } : {}),
    };
  }

  async deleteKey(target: KeyStoreTarget): Promise<DeletedKeyInfo> {
    const vault = checkVaultUrl(target.location, this.o.vaultSuffixes);
    const name = checkKeyName(target.keyName);
    this.fresh();
    return this.step('delete', vault, name, async () => {
      const poller = await this.client(vault).beginDeleteKey(name, { intervalInMs: 250 });
      const d = await poller.pollUntilDone();
      return AzureKeyVaultProvider.deletedInfo(name, { ...d.properties, ...(d.properties.recoveryId ? { recoveryId: d.properties.recoveryId } : {}) });
    });
  }

  async getDeletedKey(target: KeyStoreTarget): Promise<DeletedKeyInfo | null> {
    const vault = checkVaultUrl(target.location, this.o.vaultSuffixes);
    const name = checkKeyName(target.keyName);
    try {
      const d = await this.client(vault).getDeletedKey(name);
      return AzureKeyVaultProvider.deletedInfo(name, d.properties);
    } catch (e) {
      if (isKeyNotFound(e)) return null;
      throw vaultError(e, { op: 'read-deleted', vault, keyName: name });
    }
  }

  async backupKey(target: KeyStoreTarget): Promise<Uint8Array> {
    const vault = checkVaultUrl(target.location, this.o.vaultSuffixes);
    const name = checkKeyName(target.keyName);
    this.fresh();
    const blob = await this.step('backup', vault, name, () => this.client(vault).backupKey(name));
    if (!blob || blob.length === 0) throw new KeyholderError('vault.backup_empty', `${new URL(vault).host} returned an empty backup of ${name}. Try again; nothing was written.`);
    return blob;
  }

  async vaultProtection(location: string): Promise<VaultProtection> {
    const vault = checkVaultUrl(location, this.o.vaultSuffixes);
    if (!this.o.management) {
      throw new KeyholderError('vault.properties_unknown', 'Key Holder cannot read this vault’s soft-delete and purge-protection settings (no Azure Resource Manager endpoint is configured). Nothing was changed.');
    }
    return armVaultProtection({ ...this.o.management, credential: this.o.credential, ...(this.o.agent ? { agent: this.o.agent } : {}) }, vault);
  }
}
