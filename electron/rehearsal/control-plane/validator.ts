/**
 * Pair validation (seed 000, "Adding a primary key" and the FAQ on reuse):
 * the two key stores must be registered, distinct in every credential, new to
 * the control plane, and hold the SAME key: identical public key, and random
 * values wrapped with that key unwrap in both vaults (wrapped locally, by
 * vault 1 and by vault 2). Each failure names the holder and worksheet line
 * the holder should look at.
 */
import { constants, createPublicKey, publicEncrypt, randomBytes, timingSafeEqual } from 'node:crypto';
import { WORKSHEET_LINE, keyIdentifierOf, keyStoreNameOf, type AwsKeyStoreField, type Holder, type KeyStoreField, type KeyStoreRecord, type ValidationFailure, type ValidationFailureCode } from '../../../shared/control-plane/api';
import { toBase64Url } from '../../../shared/control-plane/envelope';
import { ProbeError, type KeyStoreProbe, type RsaPublicKey } from './probe';
import type { ControlPlaneState } from './store';

export function failure(code: ValidationFailureCode, holder: Holder, field: KeyStoreField | AwsKeyStoreField, message: string): ValidationFailure {
  return { code, holder, field, worksheetLine: field in WORKSHEET_LINE ? WORKSHEET_LINE[field as KeyStoreField] : null, message };
}

export const sameText = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The registration finding for a key store's name (vault DNS name or AWS location), or null when the vendor registered it. */
export function registrationFailure(state: ControlPlaneState, environmentId: string, h: Holder, name: string, field: KeyStoreField | AwsKeyStoreField, what: string): ValidationFailure | null {
  const regs = Object.values(state.registrations).filter((g) => g.environmentId === environmentId && g.holder === h && sameText(g.vaultDnsName, name));
  if (regs.some((g) => g.status === 'registered')) return null;
  if (regs.some((g) => g.status === 'pending')) return failure('vault_registration_pending', h, field, `Key holder ${h}: ${what} ${name} is still waiting for the vendor to confirm its registration.`);
  if (regs.some((g) => g.status === 'rejected')) return failure('vault_registration_rejected', h, field, `Key holder ${h}: the vendor rejected the registration of ${name}. Ask the vendor why, then register the right one.`);
  return failure('vault_not_registered', h, field, `Key holder ${h}: ${what} ${name} has not been registered with the vendor. Request its registration first.`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/** Strips leading zero bytes: JWK n/e are unsigned big-endian and some encoders keep a sign byte. */
function unsigned(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

function keyIdentifierHost(keyIdentifier: string): string | null {
  try {
    const u = new URL(keyIdentifier);
    return u.host.toLowerCase();
  } catch {
    return null;
  }
}

/** One holder's checks that need no network: registration, key identifier in the vault, expiry, reuse. */
export function holderChecks(state: ControlPlaneState, environmentId: string, r: KeyStoreRecord, now: Date): ValidationFailure[] {
  const out: ValidationFailure[] = [];
  {
    const h = r.holder;
    const regs = Object.values(state.registrations).filter((g) => g.environmentId === environmentId && g.holder === h && sameText(g.vaultDnsName, r.vaultDnsName));
    if (!regs.some((g) => g.status === 'registered')) {
      if (regs.some((g) => g.status === 'pending')) {
        out.push(failure('vault_registration_pending', h, 'vaultDnsName', `Key holder ${h}: the vault ${r.vaultDnsName} (line 1) is still waiting for the vendor to confirm its registration.`));
      } else if (regs.some((g) => g.status === 'rejected')) {
        out.push(failure('vault_registration_rejected', h, 'vaultDnsName', `Key holder ${h}: the vendor rejected the registration of ${r.vaultDnsName} (line 1). Ask the vendor why, then register the right vault.`));
      } else {
        out.push(failure('vault_not_registered', h, 'vaultDnsName', `Key holder ${h}: the vault ${r.vaultDnsName} (line 1) has not been registered with the vendor. Request its registration first.`));
      }
    }
    if (keyIdentifierHost(r.keyIdentifier) !== r.vaultDnsName.toLowerCase()) {
      out.push(failure('key_identifier_wrong_vault', h, 'keyIdentifier', `Key holder ${h}: the key identifier (line 2) does not point into the vault on line 1 (${r.vaultDnsName}). Copy the key version's identifier from that vault.`));
    }
    if (Date.parse(r.secretExpiresOn) <= now.getTime()) {
      out.push(failure('secret_expired', h, 'secretExpiresOn', `Key holder ${h}: the client secret's expiry date has passed. Create a new secret (line 4) and submit again.`));
    }
    for (const env of Object.values(state.environments)) {
      for (const pk of env.primaryKeys) {
        for (const used of [pk.records[1], pk.records[2]]) {
          if (sameText(keyIdentifierOf(used), r.keyIdentifier)) {
            out.push(failure('key_identifier_used_before', h, 'keyIdentifier', `Key holder ${h}: this key identifier (line 2) was already used for a primary key. Import the key again to get a new key version and submit its identifier.`));
          }
          if (env.environmentId !== environmentId && sameText(keyStoreNameOf(used), r.vaultDnsName)) {
            out.push(failure('vault_used_by_other_environment', h, 'vaultDnsName', `Key holder ${h}: the vault ${r.vaultDnsName} (line 1) already serves another environment. Each environment needs its own vaults.`));
          }
        }
      }
    }
    const otherEnvRegistered = Object.values(state.registrations).some((g) => g.environmentId !== environmentId && g.status === 'registered' && sameText(g.vaultDnsName, r.vaultDnsName));
    if (otherEnvRegistered && !out.some((f) => f.code === 'vault_used_by_other_environment' && f.holder === h)) {
      out.push(failure('vault_used_by_other_environment', h, 'vaultDnsName', `Key holder ${h}: the vault ${r.vaultDnsName} (line 1) is registered for another environment. Each environment needs its own vaults.`));
    }
  }
  return dedupe(out);
}

/** Checks that need no network: each holder's, then the pair's distinctness. */
export function staticChecks(state: ControlPlaneState, environmentId: string, r1: KeyStoreRecord, r2: KeyStoreRecord, now: Date): ValidationFailure[] {
  const out: ValidationFailure[] = [...holderChecks(state, environmentId, r1, now), ...holderChecks(state, environmentId, r2, now)];
  // The guide asks the second holder's values to differ from the first's, so a clash is reported on holder 2's lines.
  if (sameText(r1.vaultDnsName, r2.vaultDnsName)) out.push(failure('vault_names_same', 2, 'vaultDnsName', 'Both key holders gave the same vault (line 1). Each key holder needs their own vault.'));
  if (sameText(r1.keyIdentifier, r2.keyIdentifier)) out.push(failure('key_identifiers_same', 2, 'keyIdentifier', 'Both key holders gave the same key identifier (line 2). Each key holder submits the identifier of the key in their own vault.'));
  if (sameText(r1.applicationId, r2.applicationId)) out.push(failure('application_ids_same', 2, 'applicationId', 'Both key holders gave the same application ID (line 3). Each key holder needs their own application registration.'));
  if (r1.clientSecret === r2.clientSecret) out.push(failure('client_secrets_same', 2, 'clientSecret', 'Both key holders gave the same client secret (line 4). Each application needs its own secret.'));
  return dedupe(out);
}

export function dedupe(fs: ValidationFailure[]): ValidationFailure[] {
  const seen = new Set<string>();
  return fs.filter((f) => {
    const k = `${f.code}/${f.holder}/${f.field}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Turns a probe failure into the failure a holder can act on. */
export function probeFailure(e: unknown, r: KeyStoreRecord, step: 'read' | 'unwrap' | 'wrap'): ValidationFailure {
  const h = r.holder;
  const p = e instanceof ProbeError ? e : new ProbeError('unexpected', 'unexpected');
  switch (p.kind) {
    case 'tenant_not_found':
      return failure('tenant_not_found', h, 'tenantId', `Key holder ${h}: Entra ID does not know the tenant ${r.tenantId}. Check the tenant on your worksheet.`);
    case 'application_not_found':
      return failure('application_not_found', h, 'applicationId', `Key holder ${h}: there is no application ${r.applicationId} (line 3) in tenant ${r.tenantId}. Check line 3.`);
    case 'client_secret_rejected':
      return failure('client_secret_rejected', h, 'clientSecret', `Key holder ${h}: Entra ID refused the client secret (line 4) for application ${r.applicationId}. Check line 4, or create a new secret.`);
    case 'secret_expired':
      return failure('secret_expired', h, 'clientSecret', `Key holder ${h}: the client secret (line 4) has expired. Create a new secret and submit it.`);
    case 'unreachable':
      return failure('vault_unreachable', h, 'vaultDnsName', `Key holder ${h}: the vault ${r.vaultDnsName} (line 1) or its sign-in service could not be reached. Check line 1 and the vault's network settings.`);
    case 'key_not_found':
      return failure('key_not_found', h, 'keyIdentifier', `Key holder ${h}: the vault has no key version ${r.keyIdentifier} (line 2). Check line 2.`);
    case 'forbidden':
      return failure('key_access_denied', h, 'keyIdentifier', `Key holder ${h}: the vault refused to ${step === 'read' ? 'read' : step} the key on line 2: the key is disabled, or application ${r.applicationId} (line 3) lacks get, wrap and unwrap permission.`);
    default:
      return failure('unwrap_failed', h, 'keyIdentifier', `Key holder ${h}: the vault gave an unexpected answer while the control plane tried to ${step} with the key on line 2.`);
  }
}

function rsaPublicKeyObject(pk: RsaPublicKey) {
  return createPublicKey({ key: { kty: 'RSA', n: toBase64Url(unsigned(pk.n)), e: toBase64Url(unsigned(pk.e)) }, format: 'jwk' });
}

export function wrapLocally(pk: RsaPublicKey, value: Uint8Array): Uint8Array {
  return new Uint8Array(publicEncrypt({ key: rsaPublicKeyObject(pk), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, value));
}

export interface PairResult {
  failures: ValidationFailure[];
  publicKey?: RsaPublicKey;
}

/** The live part: fetch both keys, compare, and prove each vault can unwrap what the other (and the public key) wrapped. */
export async function provePair(probe: KeyStoreProbe, r1: KeyStoreRecord, r2: KeyStoreRecord): Promise<PairResult> {
  const records = { 1: r1, 2: r2 } as const;
  const keys: Partial<Record<Holder, RsaPublicKey>> = {};
  const failures: ValidationFailure[] = [];
  await Promise.all(
    ([1, 2] as const).map(async (h) => {
      try {
        keys[h] = await probe.getPublicKey(records[h]);
      } catch (e) {
        failures.push(probeFailure(e, records[h], 'read'));
      }
    }),
  );
  if (failures.length) return { failures: failures.sort((a, b) => a.holder - b.holder) };
  for (const h of [1, 2] as const) {
    const k = keys[h]!;
    if (k.kty !== 'RSA' && k.kty !== 'RSA-HSM') {
      failures.push(failure('key_not_rsa', h, 'keyIdentifier', `Key holder ${h}: the key on line 2 is not an RSA key (${k.kty}). Import the RSA source key.`));
    }
  }
  if (failures.length) return { failures };
  const k1 = keys[1]!;
  const k2 = keys[2]!;
  if (!sameBytes(unsigned(k1.n), unsigned(k2.n)) || !sameBytes(unsigned(k1.e), unsigned(k2.e))) {
    const msg = 'The two vaults hold different keys: their public keys do not match. Each key holder must import the same source key.';
    return { failures: [failure('public_keys_differ', 1, 'keyIdentifier', `Key holder 1: ${msg}`), failure('public_keys_differ', 2, 'keyIdentifier', `Key holder 2: ${msg}`)] };
  }

  // Three wrapped values: one by the public key here, one by each vault; every vault must unwrap every one
  // (a vault unwrapping what it wrapped itself proves nothing about the pair, so only cross checks and the local one).
  const challenges: { by: string; value: Uint8Array; wrapped: Uint8Array; unwrapBy: Holder[] }[] = [];
  const local = randomBytes(32);
  challenges.push({ by: 'the public key', value: local, wrapped: wrapLocally(k1, local), unwrapBy: [1, 2] });
  for (const h of [1, 2] as const) {
    const value = randomBytes(32);
    try {
      challenges.push({ by: `vault ${h}`, value, wrapped: await probe.wrapKey(records[h], value), unwrapBy: [h === 1 ? 2 : 1] });
    } catch (e) {
      failures.push(probeFailure(e, records[h], 'wrap'));
    }
  }
  for (const c of challenges) {
    for (const h of c.unwrapBy) {
      try {
        const got = await probe.unwrapKey(records[h], c.wrapped);
        if (!sameBytes(got, c.value)) {
          failures.push(failure('unwrap_failed', h, 'keyIdentifier', `Key holder ${h}: the vault unwrapped a value wrapped by ${c.by} to something else. The key on line 2 is not the shared source key.`));
        }
      } catch (e) {
        const f = probeFailure(e, records[h], 'unwrap');
        failures.push(f.code === 'unwrap_failed' || f.code === 'key_access_denied' ? { ...f, code: f.code, message: `${f.message} (value wrapped by ${c.by})` } : f);
      }
    }
  }
  return failures.length ? { failures: dedupe(failures) } : { failures: [], publicKey: k1 };
}
