/**
 * Key Vault contract: every operation the ceremony needs, driven through
 * @azure/keyvault-keys (KeyClient, CryptographyClient) with MSAL tokens, and
 * every response body validated against Microsoft's OpenAPI definitions.
 */
import crypto from 'node:crypto';
import type https from 'node:https';
import * as msal from '@azure/msal-node';
import { CryptographyClient, KeyClient, parseKeyVaultKeyIdentifier, type KeyClientOptions } from '@azure/keyvault-keys';
import type { TokenCredential } from '@azure/core-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../index';
import { agentFor, clientCredential, msalConfig, request } from '../testing/sdk';
import { createValidator, responseDefinition, specCheckPolicy } from '../testing/spec';

let cloud: RehearsalCloud;
let agent: https.Agent;
let cred1: TokenCredential;
let cred2: TokenCredential;
const validate = createValidator();
const check = specCheckPolicy(validate);

function options(): KeyClientOptions {
  return { agent, additionalPolicies: [{ policy: check.policy, position: 'perRetry' }], retryOptions: { maxRetries: 1, retryDelayInMs: 10 } } as KeyClientOptions;
}
const vaultUrl = (i: number) => cloud.descriptor.vaults[i]!.url;
const keys = (cred = cred1, url = vaultUrl(0)) => new KeyClient(url, cred, options());
const cryptoFor = (kid: string, cred = cred1) => new CryptographyClient(kid, cred, options());

async function admin(path: string, body: unknown, method = 'POST') {
  return request(agent, `${cloud.descriptor.adminUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

beforeAll(async () => {
  // No propagation delay here: keyvault.conformance.test.ts exercises it.
  cloud = await startRehearsalCloud({ adminEnabled: true, port: 0, keyVaultPropagationMs: 0 });
  agent = agentFor(cloud);
  const [a1, a2] = cloud.descriptor.apps;
  cred1 = clientCredential(new msal.ConfidentialClientApplication(msalConfig(cloud, agent, a1!.tenantId, a1!.appId, a1!.clientSecret)));
  cred2 = clientCredential(new msal.ConfidentialClientApplication(msalConfig(cloud, agent, a2!.tenantId, a2!.appId, a2!.clientSecret)));
});
afterAll(async () => {
  // Every body the SDK saw conforms to the spec, and the check really ran.
  expect(check.problems).toEqual([]);
  expect(check.seen.length).toBeGreaterThan(40);
  agent?.destroy();
  await cloud?.stop();
});

function rsaJwk() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const j = privateKey.export({ format: 'jwk' });
  const b = (s?: string) => Buffer.from(s!, 'base64url');
  return { privateKey, jwk: { kty: 'RSA' as const, n: b(j.n), e: b(j.e), d: b(j.d), p: b(j.p), q: b(j.q), dp: b(j.dp), dq: b(j.dq), qi: b(j.qi) } };
}

async function expectKvError(p: Promise<unknown>, status: number, code: string, message?: RegExp) {
  const e = (await p.then(() => null, (x: unknown) => x)) as { statusCode?: number; code?: string; message?: string } | null;
  expect(e, 'expected the call to fail').not.toBeNull();
  expect(e!.statusCode).toBe(status);
  expect(e!.code).toBe(code);
  if (message) expect(e!.message).toMatch(message);
}

describe('Key Vault double through KeyClient and CryptographyClient', () => {
  it('creates an RSA key whose identifier has the vault host and a 32-hex version; gets latest and by version', async () => {
    const c = keys();
    const k = await c.createRsaKey('ceremony-key', { keySize: 2048, tags: { purpose: 'rehearsal' } });
    const id = parseKeyVaultKeyIdentifier(k.id!);
    expect(new URL(k.id!).host).toBe(new URL(vaultUrl(0)).host);
    expect(id.name).toBe('ceremony-key');
    expect(id.version).toMatch(/^[0-9a-f]{32}$/);
    expect(k.keyType).toBe('RSA');
    expect(k.properties.recoveryLevel).toBe('Recoverable');
    expect(k.properties.recoverableDays).toBe(90);
    const latest = await c.getKey('ceremony-key');
    expect(latest.id).toBe(k.id);
    expect((await c.getKey('ceremony-key', { version: id.version! })).key?.n).toEqual(k.key?.n);
    await expectKvError(keys(cred1).getKey('ceremony-key', { version: '0'.repeat(32) }), 404, 'KeyNotFound');
    // The same version asked of another vault is not found, as in Azure.
    await expectKvError(keys(cred2, vaultUrl(1)).getKey('ceremony-key', { version: id.version! }), 404, 'KeyNotFound');
  });

  it('imports a JWK as an HSM key; the vault holds the private key (unwrap, RSA-OAEP-256, RSA1_5, sign)', async () => {
    const { privateKey, jwk } = rsaJwk();
    const k = await keys().importKey('imported', jwk, { hardwareProtected: true, tags: { source: 'escrow' } });
    expect(k.keyType).toBe('RSA-HSM');
    expect(Buffer.from(k.key!.n!).equals(jwk.n)).toBe(true);
    expect(k.key?.d).toBeUndefined();
    const cc = cryptoFor(k.id!);
    const secret = crypto.randomBytes(32);
    for (const alg of ['RSA-OAEP', 'RSA-OAEP-256', 'RSA1_5'] as const) {
      const wrapped = await cc.wrapKey(alg, secret);
      expect(Buffer.from((await cc.unwrapKey(alg, wrapped.result)).result).equals(secret)).toBe(true);
      const enc = await cc.encrypt({ algorithm: alg, plaintext: secret });
      expect(Buffer.from((await cc.decrypt({ algorithm: alg, ciphertext: enc.result })).result).equals(secret)).toBe(true);
    }
    // Wrapped outside the vault with the escrowed private key's public half: only the real private key unwraps it.
    const outside = crypto.publicEncrypt({ key: privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, secret);
    expect(Buffer.from((await cc.unwrapKey('RSA-OAEP-256', outside)).result).equals(secret)).toBe(true);
    const digest = crypto.createHash('sha256').update('transcript').digest();
    const sig = await cc.sign('RS256', digest);
    expect(crypto.verify('sha256', Buffer.from('transcript'), crypto.createPublicKey(privateKey), Buffer.from(sig.result))).toBe(true);
    expect((await cc.verify('RS256', digest, sig.result)).result).toBe(true);
  });

  it('imports a key by BYOK: a Key Exchange Key and a CKM_RSA_AES_KEY_WRAP transfer blob', async () => {
    const c = keys();
    const kek = await c.createKey('byok-kek', 'RSA-HSM', { keySize: 2048, keyOps: ['import'] });
    expect(kek.keyOperations).toEqual(['import']);
    const kekPub = crypto.createPublicKey({ key: { kty: 'RSA', n: Buffer.from(kek.key!.n!).toString('base64url'), e: Buffer.from(kek.key!.e!).toString('base64url') }, format: 'jwk' });
    const { privateKey: target } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const blob = (kid: string, pub = kekPub, tamper = false) => {
      const aes = crypto.randomBytes(32);
      const wrappedAes = crypto.publicEncrypt({ key: pub, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, aes);
      const kwp = crypto.createCipheriv('id-aes256-wrap-pad', aes, Buffer.from('a65959a6', 'hex'));
      const wrappedKey = Buffer.concat([kwp.update(target.export({ type: 'pkcs8', format: 'der' })), kwp.final()]);
      if (tamper) wrappedKey[wrappedKey.length - 1]! ^= 1;
      const doc = { schema_version: '1.0.0', header: { kid, alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' }, ciphertext: Buffer.concat([wrappedAes, wrappedKey]).toString('base64url'), generator: 'rehearsal test' };
      return new Uint8Array(Buffer.from(JSON.stringify(doc)));
    };
    const imported = await c.importKey('byok-target', { kty: 'RSA-HSM', t: blob(kek.id!) }, { hardwareProtected: true });
    expect(imported.keyType).toBe('RSA-HSM');
    expect(Buffer.from(imported.key!.n!).toString('base64url')).toBe(target.export({ format: 'jwk' }).n);
    const secret = crypto.randomBytes(32);
    const wrapped = crypto.publicEncrypt({ key: target, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, secret);
    expect(Buffer.from((await cryptoFor(imported.id!).unwrapKey('RSA-OAEP', wrapped)).result).equals(secret)).toBe(true);
    // Tampered key material, a blob for another KEK, and a KEK that is not one are all refused.
    await expectKvError(c.importKey('byok-bad', { kty: 'RSA-HSM', t: blob(kek.id!, kekPub, true) }), 400, 'BadParameter', /integrity/);
    const plain = await c.createRsaKey('not-a-kek');
    await expectKvError(c.importKey('byok-bad', { kty: 'RSA-HSM', t: blob(plain.id!) }), 400, 'BadParameter', /not a Key Exchange Key/);
    const otherKek = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    await expectKvError(c.importKey('byok-bad', { kty: 'RSA-HSM', t: blob(kek.id!, otherKek) }), 400, 'BadParameter', /not wrapped for this Key Exchange Key/);
    await expectKvError(c.importKey('byok-bad', { kty: 'RSA', t: blob(kek.id!) }), 400, 'BadParameter', /RSA-HSM/);
    await expectKvError(c.createKey('kek-soft', 'RSA', { keyOps: ['import'] }), 400, 'BadParameter', /Key Exchange Key/);
  });

  it('lists keys and versions across pages, updates properties and rotates', async () => {
    const c = keys();
    await c.createRsaKey('rotating', { keySize: 2048 });
    const v2 = await c.rotateKey('rotating');
    const versions: string[] = [];
    for await (const page of c.listPropertiesOfKeyVersions('rotating').byPage({ maxPageSize: 1 })) versions.push(...page.map((p) => p.version!));
    expect(versions).toHaveLength(2);
    expect(versions).toContain(v2.properties.version);
    const names: string[] = [];
    for await (const p of c.listPropertiesOfKeys().byPage({ maxPageSize: 2 })) names.push(...p.map((x) => x.name));
    expect(names).toEqual(expect.arrayContaining(['ceremony-key', 'imported', 'rotating']));
    const expiresOn = new Date(Date.now() + 30 * 86400_000);
    const updated = await c.updateKeyProperties('rotating', v2.properties.version!, { tags: { stage: 'two' }, expiresOn, keyOps: ['wrapKey', 'unwrapKey'] });
    expect(updated.properties.tags).toEqual({ stage: 'two' });
    expect(updated.properties.expiresOn?.getTime()).toBe(Math.floor(expiresOn.getTime() / 1000) * 1000);
    expect(updated.keyOperations).toEqual(['wrapKey', 'unwrapKey']);
    // The vault itself refuses an operation outside key_ops (the SDK would refuse locally first).
    const a1 = cloud.descriptor.apps[0]!;
    const token = (await new msal.ConfidentialClientApplication(msalConfig(cloud, agent, a1.tenantId, a1.appId, a1.clientSecret)).acquireTokenByClientCredential({ scopes: [cloud.descriptor.vaultScope] }))!.accessToken;
    const signed = await request(agent, `${updated.id}/sign?api-version=2025-07-01`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ alg: 'RS256', value: Buffer.alloc(32).toString('base64url') }) });
    expect(signed.status).toBe(403);
    expect((signed.json() as { error: { message: string } }).error.message).toMatch(/not permitted/);
    expect(validate('KeyVaultError', signed.json())).toEqual([]);
    const policy = await c.updateKeyRotationPolicy('rotating', { lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P90D' }], expiresIn: 'P2Y' });
    expect(policy.expiresIn).toBe('P2Y');
    expect((await c.getKeyRotationPolicy('rotating')).lifetimeActions?.[0]?.action).toBe('Rotate');
    expect((await c.getRandomBytes(16)).length).toBe(16);
  });

  it('refuses operations on a disabled key as Azure does, and works again when re-enabled', async () => {
    const c = keys();
    const k = await c.createRsaKey('disable-me', { keySize: 2048 });
    const wrapped = await cryptoFor(k.id!).wrapKey('RSA-OAEP', Buffer.alloc(32, 7));
    await c.updateKeyProperties('disable-me', k.properties.version!, { enabled: false });
    await expectKvError(cryptoFor(k.id!).unwrapKey('RSA-OAEP', wrapped.result), 403, 'Forbidden', /not allowed on a disabled key/);
    await c.updateKeyProperties('disable-me', k.properties.version!, { enabled: true });
    expect(Buffer.from((await cryptoFor(k.id!).unwrapKey('RSA-OAEP', wrapped.result)).result)).toEqual(Buffer.alloc(32, 7));
    // Behind the app's back (admin API): the next unwrap fails.
    expect((await admin('/keys/disable', { vault: cloud.descriptor.vaults[0]!.name, name: 'disable-me' })).status).toBe(200);
    await expectKvError(cryptoFor(k.id!).unwrapKey('RSA-OAEP', wrapped.result), 403, 'Forbidden', /disabled/);
  });

  it('soft-deletes, lists and recovers; purge is refused under purge protection; names of deleted keys are reserved', async () => {
    const c = keys();
    await c.createRsaKey('to-delete', { keySize: 2048 });
    const deleted = await (await c.beginDeleteKey('to-delete', { intervalInMs: 10 })).pollUntilDone();
    expect(deleted.properties.recoveryId).toBe(`${vaultUrl(0)}/deletedkeys/to-delete`);
    expect(deleted.properties.scheduledPurgeDate!.getTime() - deleted.properties.deletedOn!.getTime()).toBe(90 * 86400_000);
    expect((await c.getDeletedKey('to-delete')).name).toBe('to-delete');
    const listed: string[] = [];
    for await (const d of c.listDeletedKeys()) listed.push(d.name);
    expect(listed).toContain('to-delete');
    await expectKvError(c.getKey('to-delete'), 404, 'KeyNotFound');
    await expectKvError(c.createRsaKey('to-delete'), 409, 'Conflict', /deleted but recoverable/);
    await expectKvError(c.purgeDeletedKey('to-delete'), 403, 'Forbidden', /purge protection/);
    const recovered = await (await c.beginRecoverDeletedKey('to-delete', { intervalInMs: 10 })).pollUntilDone();
    expect(recovered.name).toBe('to-delete');
    expect((await c.getKey('to-delete')).properties.enabled).toBe(true);
  });

  it('purges in a vault without purge protection, and deletes for good in a vault without soft delete', async () => {
    const t1 = cloud.descriptor.tenants[0]!.id;
    const made = await admin('/vaults', { name: 'purgeable-vault', tenantId: t1, softDelete: true, purgeProtection: false, retentionDays: 7 });
    expect(made.status).toBe(201);
    const purgeable = keys(cred1, (made.json() as { url: string }).url);
    const k = await purgeable.createRsaKey('temp', { keySize: 2048 });
    expect(k.properties.recoveryLevel).toBe('CustomizedRecoverable+Purgeable');
    await (await purgeable.beginDeleteKey('temp', { intervalInMs: 10 })).pollUntilDone();
    await purgeable.purgeDeletedKey('temp');
    await expectKvError(purgeable.getDeletedKey('temp'), 404, 'KeyNotFound');
    const plain = await admin('/vaults', { name: 'no-soft-delete', tenantId: t1, softDelete: false });
    const noSoft = keys(cred1, (plain.json() as { url: string }).url);
    const k2 = await noSoft.createRsaKey('gone', { keySize: 2048 });
    expect(k2.properties.recoveryLevel).toBe('Purgeable');
    const gone = await (await noSoft.beginDeleteKey('gone', { intervalInMs: 10 })).pollUntilDone();
    expect(gone.properties.recoveryId).toBeUndefined();
    await expectKvError(noSoft.getDeletedKey('gone'), 404, 'KeyNotFound');
    await expectKvError(noSoft.getKey('gone'), 404, 'KeyNotFound');
  });

  it('lets only the vault tenant (401 with a challenge) and assigned principals (403) in, in Key Vault shape', async () => {
    await expectKvError(keys(cred2, vaultUrl(0)).getKey('ceremony-key'), 401, 'Unauthorized', /belongs to tenant/);
    const t1 = cloud.descriptor.tenants[0]!.id;
    const locked = await admin('/vaults', { name: 'nobody-vault', tenantId: t1, principals: [] });
    await expectKvError(keys(cred1, (locked.json() as { url: string }).url).createRsaKey('x'), 403, 'Forbidden', /not authorized/);
    const anon = await request(agent, `${vaultUrl(0)}/keys/ceremony-key/?api-version=2025-07-01`);
    expect(anon.status).toBe(401);
    expect(anon.headers['www-authenticate']).toBe(`Bearer authorization="${cloud.descriptor.entraUrl}/${t1}", resource="https://vault.rehearsal.localhost"`);
    expect(validate('KeyVaultError', anon.json())).toEqual([]);
  });

  it('refuses tokens expired by the admin; a fresh token works', async () => {
    const a1 = cloud.descriptor.apps[0]!;
    const cca = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, a1.tenantId, a1.appId, a1.clientSecret));
    let skip = false;
    const cred: TokenCredential = {
      getToken: async (scopes) => {
        const r = await cca.acquireTokenByClientCredential({ scopes: Array.isArray(scopes) ? scopes : [scopes], skipCache: skip });
        return { token: r!.accessToken, expiresOnTimestamp: r!.expiresOn!.getTime(), tokenType: 'Bearer' };
      },
    };
    await keys(cred).getKey('ceremony-key');
    expect((await admin('/tokens/expire', {})).status).toBe(200);
    await expectKvError(keys(cred).getKey('ceremony-key'), 401, 'Unauthorized', /revoked/);
    skip = true;
    expect((await keys(cred).getKey('ceremony-key')).name).toBe('ceremony-key');
  });
});

describe('Key Vault double: bad input answers 400 in Key Vault shape', () => {
  let token = '';
  beforeAll(async () => {
    const a1 = cloud.descriptor.apps[0]!;
    const cca = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, a1.tenantId, a1.appId, a1.clientSecret));
    token = (await cca.acquireTokenByClientCredential({ scopes: [cloud.descriptor.vaultScope], skipCache: true }))!.accessToken;
  });
  async function call(method: string, path: string, body?: string, query = 'api-version=2025-07-01') {
    const r = await request(agent, `${vaultUrl(0)}${path}${query ? `?${query}` : ''}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body } : {}),
    });
    const def = responseDefinition(method, path, r.status);
    if (def) expect(validate(def, r.json())).toEqual([]);
    return { status: r.status, body: r.text ? (r.json() as { error?: { code: string; message: string } }) : {} };
  }
  it.each([
    ['malformed JSON', 'POST', '/keys/k1/create', '{"kty":'],
    ['a JSON array', 'POST', '/keys/k1/create', '[]'],
    ['an unknown kty', 'POST', '/keys/k1/create', '{"kty":"DSA"}'],
    ['a missing kty', 'POST', '/keys/k1/create', '{"key_size":2048}'],
    ['an unsupported key size', 'POST', '/keys/k1/create', '{"kty":"RSA","key_size":1024}'],
    ['an unknown key operation', 'POST', '/keys/k1/create', '{"kty":"RSA","key_ops":["launch"]}'],
    ['a non-string tag', 'POST', '/keys/k1/create', '{"kty":"RSA","tags":{"a":1}}'],
    ['nbf after exp', 'POST', '/keys/k1/create', '{"kty":"RSA","attributes":{"nbf":20,"exp":10}}'],
    ['an invalid key name', 'POST', '/keys/bad_name!/create', '{"kty":"RSA"}'],
    ['an import without key', 'PUT', '/keys/k1', '{"Hsm":true}'],
    ['an import missing d', 'PUT', '/keys/k1', '{"key":{"kty":"RSA","n":"AQAB","e":"AQAB"}}'],
    ['an import with garbage key_hsm', 'PUT', '/keys/k1', '{"key":{"kty":"RSA-HSM","key_hsm":"bm90IGpzb24"}}'],
    ['a malformed version', 'GET', '/keys/ceremony-key/not-a-version', undefined],
    ['a bad algorithm', 'POST', '/keys/ceremony-key//wrapkey', '{"alg":"A256KW","value":"AAAA"}'],
    ['a value that is not base64url', 'POST', '/keys/ceremony-key//unwrapkey', '{"alg":"RSA-OAEP","value":"***"}'],
    ['a ciphertext of the wrong length', 'POST', '/keys/ceremony-key//unwrapkey', '{"alg":"RSA-OAEP","value":"AAAA"}'],
    ['a digest of the wrong length', 'POST', '/keys/ceremony-key//sign', '{"alg":"RS256","value":"AAAA"}'],
    ['a bad maxresults', 'GET', '/keys', undefined, 'api-version=2025-07-01&maxresults=500'],
    ['a missing api-version', 'GET', '/keys', undefined, ''],
    ['an unknown api-version', 'GET', '/keys', undefined, 'api-version=1999-01-01'],
    ['a bad rng count', 'POST', '/rng', '{"count":0}'],
    ['an unknown curve', 'POST', '/keys/k1/create', '{"kty":"EC","crv":"P-192"}'],
    ['an EC key that would wrap', 'POST', '/keys/k1/create', '{"kty":"EC","crv":"P-256","key_ops":["wrapKey"]}'],
    ['an EC signature with an RSA key', 'POST', '/keys/ceremony-key//sign', '{"alg":"ES256","value":"AAAA"}'],
    ['an oct key', 'POST', '/keys/k1/create', '{"kty":"oct-HSM"}'],
    ['a restore without a blob', 'POST', '/keys/restore', '{}'],
    ['a restore of garbage', 'POST', '/keys/restore', '{"value":"bm90IGEgYmFja3Vw"}'],
    ['a bad rotation policy', 'PUT', '/keys/ceremony-key/rotationpolicy', '{"lifetimeActions":[{"trigger":{"timeAfterCreate":"90 days"},"action":{"type":"Rotate"}}]}'],
  ])('%s', async (_what, method, path, body, query?: string) => {
    const r = await call(method, path, body, query);
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('BadParameter');
    expect(r.body.error?.message.length).toBeGreaterThan(10);
  });
  it('an oversized body', async () => {
    const r = await call('POST', '/keys/k1/create', JSON.stringify({ kty: 'RSA', tags: { a: 'x'.repeat(400_000) } }));
    expect(r.status).toBe(400);
  });
  it('unknown routes and methods', async () => {
    expect((await call('GET', '/secrets')).status).toBe(404);
    expect((await call('DELETE', '/keys/ceremony-key/rotate')).status).toBe(405);
    expect((await request(agent, `https://no-such-vault.vault.rehearsal.localhost:${cloud.port}/keys?api-version=2025-07-01`)).status).toBe(404);
  });
});
