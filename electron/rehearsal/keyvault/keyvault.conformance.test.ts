/**
 * Conformance of the Key Vault double with Key Vault's documented and
 * recorded behaviour (issue 16, "Rehearsal cloud conformance"): listing the
 * versions of a missing key, the propagation delay after delete and recover,
 * key backup and restore, EC keys and RSA-PSS, and another tenant's token.
 * Driven through the official SDK; every body validated against the spec.
 */
import crypto from 'node:crypto';
import type https from 'node:https';
import * as msal from '@azure/msal-node';
import { CryptographyClient, KeyClient, type KeyClientOptions } from '@azure/keyvault-keys';
import type { GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../index';
import { agentFor, clientCredential, msalConfig, request } from '../testing/sdk';
import { createValidator, specCheckPolicy } from '../testing/spec';

/** Long enough that the call right after a delete or recover certainly lands inside it, short enough for a test. */
const PROPAGATION_MS = 2500;

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
const tenant = (i: number) => cloud.descriptor.tenants[i]!.id;

async function admin(path: string, body: unknown) {
  return request(agent, `${cloud.descriptor.adminUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function tokenOf(app: number): Promise<string> {
  const a = cloud.descriptor.apps[app]!;
  const cca = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, a.tenantId, a.appId, a.clientSecret));
  return (await cca.acquireTokenByClientCredential({ scopes: [cloud.descriptor.vaultScope], skipCache: true }))!.accessToken;
}

async function failure(p: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message?: string }> {
  const e = (await p.then(() => null, (x: unknown) => x)) as { statusCode?: number; code?: string; message?: string } | null;
  expect(e, 'expected the call to fail').not.toBeNull();
  return e!;
}

async function expectKvError(p: Promise<unknown>, status: number, code: string, message?: RegExp) {
  const e = await failure(p);
  expect(e.statusCode).toBe(status);
  expect(e.code).toBe(code);
  if (message) expect(e.message).toMatch(message);
}

beforeAll(async () => {
  cloud = await startRehearsalCloud({ adminEnabled: true, port: 0, keyVaultPropagationMs: PROPAGATION_MS });
  agent = agentFor(cloud);
  const [a1, a2] = cloud.descriptor.apps;
  cred1 = clientCredential(new msal.ConfidentialClientApplication(msalConfig(cloud, agent, a1!.tenantId, a1!.appId, a1!.clientSecret)));
  cred2 = clientCredential(new msal.ConfidentialClientApplication(msalConfig(cloud, agent, a2!.tenantId, a2!.appId, a2!.clientSecret)));
});
afterAll(async () => {
  expect(check.problems).toEqual([]);
  expect(check.seen.length).toBeGreaterThan(20);
  agent?.destroy();
  await cloud?.stop();
});

describe('listing the versions of a key that does not exist', () => {
  it('answers 200 with an empty value and nextLink null, and the SDK lists nothing', async () => {
    const versions: string[] = [];
    for await (const p of keys().listPropertiesOfKeyVersions('never-created')) versions.push(p.version!);
    expect(versions).toEqual([]);
    const r = await request(agent, `${vaultUrl(0)}/keys/never-created/versions?api-version=2025-07-01`, { headers: { authorization: `Bearer ${await tokenOf(0)}` } });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ value: [], nextLink: null });
    expect(validate('KeyListResult', r.json())).toEqual([]);
  });
});

describe('delete and recover take a while to show, as in Azure', () => {
  it('hides a deleted key from /deletedkeys until the delay passed; the SDK poller waits for it', async () => {
    const c = keys();
    await c.createRsaKey('slow-delete', { keySize: 2048 });
    const before = check.seen.length;
    const poller = await c.beginDeleteKey('slow-delete', { intervalInMs: 200 });
    // Right after the DELETE: gone from /keys, not yet under /deletedkeys, not in the list, name reserved.
    await expectKvError(c.getKey('slow-delete'), 404, 'KeyNotFound');
    await expectKvError(c.getDeletedKey('slow-delete'), 404, 'KeyNotFound');
    const listed: string[] = [];
    for await (const d of c.listDeletedKeys()) listed.push(d.name);
    expect(listed).not.toContain('slow-delete');
    await expectKvError(c.createRsaKey('slow-delete'), 409, 'Conflict', /being deleted/);
    const deleted = await poller.pollUntilDone();
    expect(deleted.name).toBe('slow-delete');
    expect(deleted.properties.recoveryId).toBe(`${vaultUrl(0)}/deletedkeys/slow-delete`);
    // The poller asked more than once: at least one 404 before the deleted key appeared.
    const polls = check.seen.slice(before).filter((s) => s.startsWith('GET /deletedkeys/slow-delete '));
    expect(polls.some((s) => s.includes(' 404 '))).toBe(true);
    expect(polls.at(-1)).toContain(' 200 ');
    expect((await c.getDeletedKey('slow-delete')).name).toBe('slow-delete');
  });

  it('hides a recovered key from /keys until the delay passed; the SDK poller waits for it', async () => {
    const c = keys();
    const before = check.seen.length;
    const poller = await c.beginRecoverDeletedKey('slow-delete', { intervalInMs: 200 });
    await expectKvError(c.getKey('slow-delete'), 404, 'KeyNotFound');
    await expectKvError(c.getDeletedKey('slow-delete'), 404, 'KeyNotFound');
    const recovered = await poller.pollUntilDone();
    expect(recovered.name).toBe('slow-delete');
    const polls = check.seen.slice(before).filter((s) => /^GET \/keys\/slow-delete\/? /.test(s));
    expect(polls.some((s) => s.includes(' 404 '))).toBe(true);
    expect((await c.getKey('slow-delete')).properties.enabled).toBe(true);
  });
});

describe('key backup and restore', () => {
  it('backs up every version into an opaque blob that restores into another vault of the same tenant only', async () => {
    const c = keys();
    const k1 = await c.createRsaKey('backed-up', { keySize: 2048, tags: { stage: 'one' } });
    const k2 = await c.rotateKey('backed-up');
    const blob = await c.backupKey('backed-up');
    expect(blob!.length).toBeGreaterThan(100);
    // Opaque: no key material or name readable in it.
    expect(Buffer.from(blob!).toString('latin1')).not.toMatch(/backed-up|PRIVATE KEY/);
    // Not over the existing key.
    await expectKvError(c.restoreKeyBackup(blob!), 409, 'Conflict', /already exists/);
    // Into another vault of the same tenant: every version, same identifiers, same private keys.
    const made = await admin('/vaults', { name: 'restore-target', tenantId: tenant(0) });
    expect(made.status).toBe(201);
    const other = keys(cred1, (made.json() as { url: string }).url);
    const restored = await other.restoreKeyBackup(blob!);
    expect(restored.name).toBe('backed-up');
    expect(restored.properties.version).toBe(k2.properties.version);
    expect(Buffer.from(restored.key!.n!).equals(Buffer.from(k2.key!.n!))).toBe(true);
    const versions: string[] = [];
    for await (const p of other.listPropertiesOfKeyVersions('backed-up')) versions.push(p.version!);
    expect(versions.sort()).toEqual([k1.properties.version!, k2.properties.version!].sort());
    const secret = crypto.randomBytes(32);
    const wrapped = await cryptoFor(k1.id!).wrapKey('RSA-OAEP-256', secret);
    const oldInOther = `${(made.json() as { url: string }).url}/keys/backed-up/${k1.properties.version}`;
    expect(Buffer.from((await cryptoFor(oldInOther).unwrapKey('RSA-OAEP-256', wrapped.result)).result).equals(secret)).toBe(true);
  });

  it('refuses a blob from another tenant and a tampered blob (400), and backup of a missing key (404)', async () => {
    const c = keys();
    const blob = Buffer.from((await c.backupKey('backed-up'))!);
    await expectKvError(keys(cred2, vaultUrl(1)).restoreKeyBackup(blob), 400, 'BadParameter', /another tenant|same subscription/);
    const tampered = Buffer.from(blob);
    tampered[tampered.length - 20]! ^= 1;
    const made = await admin('/vaults', { name: 'restore-target-2', tenantId: tenant(0) });
    const other = keys(cred1, (made.json() as { url: string }).url);
    await expectKvError(other.restoreKeyBackup(tampered), 400, 'BadParameter', /damaged/);
    await expectKvError(other.restoreKeyBackup(blob.subarray(0, 20)), 400, 'BadParameter');
    await expectKvError(c.backupKey('no-such-key'), 404, 'KeyNotFound');
    expect((await other.restoreKeyBackup(blob)).name).toBe('backed-up');
  });
});

describe('EC keys and RSA-PSS', () => {
  const cases = [
    { crv: 'P-256', node: 'prime256v1', alg: 'ES256', hash: 'sha256' },
    { crv: 'P-256K', node: 'secp256k1', alg: 'ES256K', hash: 'sha256' },
    { crv: 'P-384', node: 'secp384r1', alg: 'ES384', hash: 'sha384' },
    { crv: 'P-521', node: 'secp521r1', alg: 'ES512', hash: 'sha512' },
  ] as const;

  it.each(cases)('creates a $crv key; signs with $alg in the vault, verifies in the vault and outside', async ({ crv, alg, hash }) => {
    const c = keys();
    const name = `ec-${crv.toLowerCase()}`;
    const k = await c.createEcKey(name, { curve: crv, hsm: true });
    expect(k.keyType).toBe('EC-HSM');
    expect(k.key?.crv).toBe(crv);
    expect(k.keyOperations).toEqual(['sign', 'verify']);
    const cc = cryptoFor(k.id!);
    const message = Buffer.from(`transcript ${crv}`);
    const digest = crypto.createHash(hash).update(message).digest();
    const sig = await cc.sign(alg, digest);
    expect((await cc.verify(alg, digest, sig.result)).result).toBe(true);
    const other = crypto.createHash(hash).update('another').digest();
    expect((await cc.verify(alg, other, sig.result)).result).toBe(false);
    const pub = crypto.createPublicKey({
      key: { kty: 'EC', crv: crv === 'P-256K' ? 'secp256k1' : crv, x: Buffer.from(k.key!.x!).toString('base64url'), y: Buffer.from(k.key!.y!).toString('base64url') },
      format: 'jwk',
    });
    expect(crypto.verify(hash, message, { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig.result))).toBe(true);
    // The curve and the algorithm must match, and EC keys do not encrypt.
    const wrongAlg = alg === 'ES256' ? 'ES384' : 'ES256';
    await expectKvError(cc.sign(wrongAlg, digest), 400, 'BadParameter', /curve|digest/);
    const rotated = await c.rotateKey(name);
    expect(rotated.key?.crv).toBe(crv);
  });

  it('imports an EC private key (JWK) and signs with it in the vault', async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const j = privateKey.export({ format: 'jwk' });
    const b = (s?: string) => Buffer.from(s!, 'base64url');
    const k = await keys().importKey('ec-imported', { kty: 'EC', crv: 'P-384', x: b(j.x), y: b(j.y), d: b(j.d) }, { hardwareProtected: true });
    expect(k.keyType).toBe('EC-HSM');
    expect(k.key?.d).toBeUndefined();
    const digest = crypto.createHash('sha384').update('statement').digest();
    const sig = await cryptoFor(k.id!).sign('ES384', digest);
    expect(crypto.verify('sha384', Buffer.from('statement'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig.result))).toBe(true);
    // A point that is not the private key's is refused.
    const stranger = crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ format: 'jwk' });
    await expectKvError(keys().importKey('ec-bad', { kty: 'EC', crv: 'P-384', x: b(stranger.x), y: b(stranger.y), d: b(j.d) }), 400, 'BadParameter', /does not match/);
  });

  it.each([
    ['PS256', 'sha256', 32],
    ['PS384', 'sha384', 48],
    ['PS512', 'sha512', 64],
  ] as const)('signs RSA-PSS %s in the vault; Node verifies it, the vault verifies it and refuses a changed one', async (alg, hash, saltLength) => {
    const c = keys();
    const k = await c.createRsaKey(`pss-${alg.toLowerCase()}`, { keySize: 2048 });
    const cc = cryptoFor(k.id!);
    const message = Buffer.from('ceremony transcript');
    const digest = crypto.createHash(hash).update(message).digest();
    const sig = Buffer.from((await cc.sign(alg, digest)).result);
    const pub = crypto.createPublicKey({ key: { kty: 'RSA', n: Buffer.from(k.key!.n!).toString('base64url'), e: Buffer.from(k.key!.e!).toString('base64url') }, format: 'jwk' });
    expect(crypto.verify(hash, message, { key: pub, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength }, sig)).toBe(true);
    expect((await cc.verify(alg, digest, sig)).result).toBe(true);
    // A signature made outside with the same key would verify in the vault too; a changed one does not.
    sig[10]! ^= 1;
    expect((await cc.verify(alg, digest, sig)).result).toBe(false);
  });
});

describe("another tenant's token", () => {
  it('gets 401 with a challenge naming the vault tenant, in Key Vault shape', async () => {
    const r = await request(agent, `${vaultUrl(0)}/keys?api-version=2025-07-01`, { headers: { authorization: `Bearer ${await tokenOf(1)}` } });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe(`Bearer authorization="${cloud.descriptor.entraUrl}/${tenant(0)}", resource="https://vault.rehearsal.localhost"`);
    expect(validate('KeyVaultError', r.json())).toEqual([]);
    expect((r.json() as { error: { code: string; message: string } }).error.message).toMatch(new RegExp(`AKV10032.*${tenant(0)}`));
  });

  it("the SDK asks its credential for the challenge's tenant: a credential that honours it gets in, one that does not gets 401", async () => {
    // A multi-tenant sign-in that follows options.tenantId, as @azure/identity's credentials do.
    const asked: (string | undefined)[] = [];
    const byTenant = new Map([
      [tenant(0), cred1],
      [tenant(1), cred2],
    ]);
    const following: TokenCredential = {
      getToken: async (scopes, o?: GetTokenOptions) => {
        asked.push(o?.tenantId);
        return (byTenant.get(o?.tenantId ?? tenant(1)) ?? cred2).getToken(scopes, o);
      },
    };
    await keys().createRsaKey('tenant-probe', { keySize: 2048 });
    expect((await keys(following).getKey('tenant-probe')).name).toBe('tenant-probe');
    expect(asked).toEqual([tenant(0)]);
    // A credential pinned to its home tenant (ignores tenantId): the SDK retries once with its token, then gives up with 401.
    const pinned: TokenCredential & { tenants: (string | undefined)[] } = {
      tenants: [],
      getToken: async (scopes, o?: GetTokenOptions) => {
        pinned.tenants.push(o?.tenantId);
        return cred2.getToken(scopes, o);
      },
    };
    const e = await failure(keys(pinned).getKey('tenant-probe'));
    expect(e.statusCode).toBe(401);
    expect(e.code).toBe('Unauthorized');
    expect(e.message).toContain(tenant(0));
    expect(pinned.tenants).toEqual([tenant(0)]);
    // Holder 2's single-tenant app that does follow the challenge: Entra refuses it in the vault's tenant (AADSTS700016).
    const a2 = cloud.descriptor.apps[1]!;
    const cca2 = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, a2.tenantId, a2.appId, a2.clientSecret));
    const followingApp2: TokenCredential = {
      getToken: async (scopes, o?: GetTokenOptions) => {
        const r = await cca2.acquireTokenByClientCredential({ scopes: Array.isArray(scopes) ? scopes : [scopes], authority: `${cloud.descriptor.entraUrl}/${o?.tenantId ?? a2.tenantId}` });
        return { token: r!.accessToken, expiresOnTimestamp: r!.expiresOn!.getTime(), tokenType: 'Bearer' };
      },
    };
    const refused = await failure(keys(followingApp2).getKey('tenant-probe'));
    expect(refused.message).toMatch(/AADSTS700016.*not found in the directory/);
  });
});
