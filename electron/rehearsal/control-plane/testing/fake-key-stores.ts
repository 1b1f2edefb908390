/**
 * Test-only: key stores in memory that behave like Entra ID + Key Vault as
 * the probe sees them, with real RSA (RSA-OAEP-256 unwrap uses the private
 * key), so the validator's "same key" proof can genuinely fail. The real
 * probe over the official SDKs is exercised against the rehearsal cloud.
 */
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { ProbeError, type KeyStoreAccess, type KeyStoreProbe, type RsaPublicKey } from '../probe';

interface FakeKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  enabled: boolean;
}

export class FakeKeyStores implements KeyStoreProbe {
  readonly tenants = new Set<string>();
  readonly apps = new Map<string, { tenantId: string; secret: string; expired?: boolean }>();
  /** vault DNS name -> key identifier -> key */
  readonly vaults = new Map<string, Map<string, FakeKey>>();
  readonly unreachable = new Set<string>();
  calls: string[] = [];

  static rsaKey(bits = 2048): { privateKey: KeyObject; publicKey: KeyObject } {
    return generateKeyPairSync('rsa', { modulusLength: bits });
  }

  addVaultKey(vaultDnsName: string, version: string, pair: { privateKey: KeyObject; publicKey: KeyObject }, name = 'primary'): string {
    const id = `https://${vaultDnsName}/keys/${name}/${version}`;
    if (!this.vaults.has(vaultDnsName)) this.vaults.set(vaultDnsName, new Map());
    this.vaults.get(vaultDnsName)!.set(id, { ...pair, enabled: true });
    return id;
  }

  setEnabled(keyIdentifier: string, enabled: boolean): void {
    for (const v of this.vaults.values()) {
      const k = v.get(keyIdentifier);
      if (k) k.enabled = enabled;
    }
  }

  private key(ks: KeyStoreAccess, op: string): FakeKey {
    this.calls.push(`${op} ${ks.vaultDnsName}`);
    if (!this.tenants.has(ks.tenantId)) throw new ProbeError('tenant_not_found', 'tenant');
    const app = this.apps.get(ks.applicationId);
    if (!app || app.tenantId !== ks.tenantId) throw new ProbeError('application_not_found', 'app');
    if (app.secret !== ks.clientSecret) throw new ProbeError('client_secret_rejected', 'secret');
    if (app.expired) throw new ProbeError('secret_expired', 'expired');
    const host = new URL(ks.keyIdentifier).host;
    if (this.unreachable.has(host) || !this.vaults.has(host)) throw new ProbeError('unreachable', 'unreachable');
    const k = this.vaults.get(host)!.get(ks.keyIdentifier);
    if (!k) throw new ProbeError('key_not_found', 'not found');
    if (!k.enabled) throw new ProbeError('forbidden', 'disabled');
    return k;
  }

  async getPublicKey(ks: KeyStoreAccess): Promise<RsaPublicKey> {
    const jwk = this.key(ks, 'get').publicKey.export({ format: 'jwk' });
    return { kty: 'RSA', n: Buffer.from(jwk.n!, 'base64url'), e: Buffer.from(jwk.e!, 'base64url') };
  }

  async wrapKey(ks: KeyStoreAccess, value: Uint8Array): Promise<Uint8Array> {
    const k = this.key(ks, 'wrap');
    return publicEncrypt({ key: k.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, value);
  }

  async unwrapKey(ks: KeyStoreAccess, wrapped: Uint8Array): Promise<Uint8Array> {
    const k = this.key(ks, 'unwrap');
    try {
      return privateDecrypt({ key: k.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, wrapped);
    } catch {
      throw new ProbeError('unexpected', 'bad parameter');
    }
  }
}

/** A realistic 32-character key version. */
export function keyVersion(): string {
  return randomBytes(16).toString('hex');
}
