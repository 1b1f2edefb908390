/**
 * Azure Key Vault keys data plane (api-version 2025-07-01 and the 7.x
 * versions the SDK may ask for), one vault per host name
 * `{vault}.vault.rehearsal.localhost:{port}`. Shapes follow Microsoft's
 * OpenAPI (KeyBundle, DeletedKeyBundle, KeyListResult, KeyOperationResult,
 * KeyVaultError); the tests validate every body against it.
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CloudContext, VAULT_RESOURCE, issuer, nowSeconds } from '../context';
import { BodyTooLarge, b64url, fromB64url, readBody, sendJson } from '../http';
import type { DeletedKeyState, KeyState, KeyVersionState, Vault } from '../state';
import {
  CryptoInputError,
  ENCRYPTION_ALGS,
  SIGNATURE_ALGS,
  keyPairMatches,
  parseTransferBlob,
  rsaDecrypt,
  rsaEncrypt,
  rsaSignDigest,
  rsaVerifyDigest,
  unwrapTransferCiphertext,
} from './crypto';
import { CURVES, EC_SIGNATURE_ALGS, PSS_ALGS, curveOf, ecPointMatches, ecSignDigest, ecVerifyDigest, isCurveName, pssSignDigest, pssVerifyDigest } from './signatures';
import { openBackup, sealBackup } from './backup';

const API_VERSIONS = new Set(['7.0', '7.1', '7.2', '7.3', '7.4', '7.5', '7.6', '2025-07-01']);
const KEY_OPS = ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey', 'import', 'export'];
const DEFAULT_RSA_OPS = ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'];
const DEFAULT_EC_OPS = ['sign', 'verify'];
const KTYS = ['EC', 'EC-HSM', 'RSA', 'RSA-HSM', 'oct', 'oct-HSM'];
const NAME_RE = /^[0-9a-zA-Z-]{1,127}$/;
const VERSION_RE = /^[0-9a-fA-F]{32}$/;
const LINK = 'For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182';

class KvError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly inner?: string,
  ) {
    super(message);
  }
}

const bad = (msg: string) => new KvError(400, 'BadParameter', msg);

function sendKvError(res: ServerResponse, e: KvError, headers: Record<string, string> = {}): void {
  sendJson(res, e.status, { error: { code: e.code, message: e.message, ...(e.inner ? { innererror: { code: e.inner } } : {}) } }, headers);
}

interface Req {
  ctx: CloudContext;
  vault: Vault;
  host: string;
  url: URL;
  method: string;
  body: () => Promise<Record<string, unknown>>;
}

// ---------------------------------------------------------------- authorization

function challengeHeader(ctx: CloudContext, vault: Vault): string {
  return `Bearer authorization="${ctx.baseUrl()}/${vault.tenantId}", resource="${VAULT_RESOURCE}"`;
}

/** 401 with a challenge for missing or unusable tokens and for another tenant's token, 403 for no role, as Key Vault answers. */
function authorize(ctx: CloudContext, vault: Vault, req: IncomingMessage, action: string): void {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (!m) throw new KvError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.');
  const claims = ctx.signer.verify(m[1]!);
  if (!claims) throw new KvError(401, 'Unauthorized', 'AKV10032: Invalid issuer or signature. The token was not issued by this rehearsal cloud.');
  const aud = String(claims.aud ?? '').replace(/\/$/, '');
  if (aud !== VAULT_RESOURCE) throw new KvError(401, 'Unauthorized', `AKV10022: Invalid audience. Expected ${VAULT_RESOURCE}, found: ${aud}.`);
  const now = nowSeconds(ctx);
  if (typeof claims.exp !== 'number' || claims.exp <= now) throw new KvError(401, 'Unauthorized', 'AKV10021: Token is expired. Sign in again.');
  if (typeof claims.nbf === 'number' && claims.nbf > now + 300) throw new KvError(401, 'Unauthorized', 'AKV10021: Token is not valid yet.');
  if (typeof claims.xms_rh_ms !== 'number' || claims.xms_rh_ms < ctx.state.tokensNotBefore) {
    throw new KvError(401, 'Unauthorized', 'AKV10021: Token has been revoked (expired by the rehearsal administrator). Sign in again.');
  }
  if (claims.tid !== vault.tenantId) {
    // Key Vault answers another tenant's token with 401 and a challenge naming the vault's tenant (the caller's
    // SDK then asks its credential for a token of that tenant), not 403.
    throw new KvError(401, 'Unauthorized', `AKV10032: Invalid issuer. Expected one of ${issuer(ctx, vault.tenantId)}, found ${String(claims.iss)}. Vault ${vault.name} belongs to tenant ${vault.tenantId}: sign in to that tenant.`);
  }
  const principals = [claims.oid, claims.idtyp === 'app' ? claims.azp : undefined].filter((x): x is string => typeof x === 'string');
  const assigned = ctx.state.roleAssignments.some((a) => a.vaultName === vault.name && a.role !== 'Reader' && principals.includes(a.principalId));
  if (!assigned) {
    throw new KvError(
      403,
      'Forbidden',
      `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=${String(claims.appid)};oid=${String(claims.oid)}\r\nAction: 'Microsoft.KeyVault/vaults/keys/${action}'\r\nResource: '${vault.name}'\r\nAssignment: (not found)\r\nVault: ${vault.name};location=rehearsal\r\n`,
      'ForbiddenByRbac',
    );
  }
}

// ---------------------------------------------------------------- shapes

function recoveryLevel(v: Vault): string {
  if (!v.softDelete) return 'Purgeable';
  const custom = v.retentionDays < 90 ? 'Customized' : '';
  return `${custom}Recoverable${v.purgeProtection ? '' : '+Purgeable'}`;
}

function attributes(vault: Vault, v: KeyVersionState): Record<string, unknown> {
  const a = v.attributes;
  return {
    enabled: a.enabled,
    ...(a.nbf !== undefined ? { nbf: a.nbf } : {}),
    ...(a.exp !== undefined ? { exp: a.exp } : {}),
    created: a.created,
    updated: a.updated,
    recoveryLevel: recoveryLevel(vault),
    ...(vault.softDelete ? { recoverableDays: vault.retentionDays } : {}),
    exportable: false,
  };
}

function keyId(r: Req, name: string, version?: string): string {
  return `https://${r.host}/keys/${name}${version ? `/${version}` : ''}`;
}

function publicJwk(v: KeyVersionState): Record<string, unknown> {
  return isEc(v) ? { crv: v.crv, x: v.x, y: v.y } : { n: v.n, e: v.e };
}

function isEc(v: { kty: string }): boolean {
  return v.kty === 'EC' || v.kty === 'EC-HSM';
}

function bundle(r: Req, key: KeyState, v: KeyVersionState): Record<string, unknown> {
  return {
    key: { kid: keyId(r, key.name, v.version), kty: v.kty, key_ops: v.keyOps, ...publicJwk(v) },
    attributes: attributes(r.vault, v),
    ...(Object.keys(v.tags).length ? { tags: v.tags } : {}),
  };
}

function deletedInfo(r: Req, d: DeletedKeyState): Record<string, unknown> {
  return {
    ...(r.vault.softDelete ? { recoveryId: `https://${r.host}/deletedkeys/${d.name}` } : {}),
    deletedDate: d.deletedDate,
    scheduledPurgeDate: d.scheduledPurgeDate,
  };
}

function latest(k: KeyState): KeyVersionState {
  return k.versions[k.versions.length - 1]!;
}

// ---------------------------------------------------------------- lookups and validation

function findName<T>(map: Record<string, T>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(map).find((k) => k.toLowerCase() === lower);
}

function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw bad(`The key name '${name}' is not valid: use 1-127 letters, digits and dashes.`);
}

function notFound(name: string, version?: string): KvError {
  return new KvError(404, 'KeyNotFound', `A key with (name/id) ${name}${version ? `/${version}` : ''} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. ${LINK}`);
}

// ---------------------------------------------------------------- propagation after delete and recover

function transitId(r: Req, name: string): string {
  return `${r.vault.name}/${name.toLowerCase()}`;
}

/** 'deleting' or 'recovering' while Key Vault would still hide the key, else null. */
function inTransit(r: Req, name: string): 'deleting' | 'recovering' | null {
  const id = transitId(r, name);
  const t = r.ctx.keyVaultInTransit.get(id);
  if (!t) return null;
  if (performance.now() >= t.visibleAt) {
    r.ctx.keyVaultInTransit.delete(id);
    return null;
  }
  return t.kind;
}

function startTransit(r: Req, name: string, kind: 'deleting' | 'recovering'): void {
  if (r.ctx.keyVaultPropagationMs > 0) r.ctx.keyVaultInTransit.set(transitId(r, name), { kind, visibleAt: performance.now() + r.ctx.keyVaultPropagationMs });
}

function getKey(r: Req, name: string): KeyState {
  checkName(name);
  const k = findName(r.vault.keys, name);
  if (!k || inTransit(r, k) === 'recovering') throw notFound(name);
  return r.vault.keys[k]!;
}

function getVersion(r: Req, name: string, version: string): { key: KeyState; v: KeyVersionState } {
  const key = getKey(r, name);
  if (!version) return { key, v: latest(key) };
  if (!VERSION_RE.test(version)) throw bad(`The key version '${version}' is not valid: a version is 32 hexadecimal characters.`);
  const v = key.versions.find((x) => x.version === version.toLowerCase());
  if (!v) throw notFound(name, version);
  return { key, v };
}

function conflictIfDeleted(r: Req, name: string): void {
  const recovering = findName(r.vault.keys, name);
  if (recovering && inTransit(r, recovering) === 'recovering') {
    throw new KvError(409, 'Conflict', `Key ${name} is currently being recovered; try again in a few seconds.`, 'ObjectIsBeingRecovered');
  }
  const deleted = findName(r.vault.deletedKeys, name);
  if (deleted && inTransit(r, deleted) === 'deleting') {
    throw new KvError(409, 'Conflict', `Key ${name} is currently being deleted; its name cannot be reused.`, 'ObjectIsBeingDeleted');
  }
  if (deleted) {
    throw new KvError(409, 'Conflict', `Key ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.`, 'ObjectIsDeletedButRecoverable');
  }
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad(`${what} must be a JSON object.`);
  return v as Record<string, unknown>;
}

function parseKeyOps(v: unknown, fallback: string[]): string[] {
  if (v === undefined || v === null) return fallback;
  if (!Array.isArray(v) || v.some((o) => typeof o !== 'string')) throw bad('key_ops must be an array of strings.');
  for (const o of v as string[]) if (!KEY_OPS.includes(o)) throw bad(`Invalid key operation '${o}'. Valid operations: ${KEY_OPS.join(', ')}.`);
  if ((v as string[]).includes('export')) throw bad("The 'export' operation needs an exportable key with a release policy, which the rehearsal cloud does not support.");
  return [...new Set(v as string[])];
}

function parseTags(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  const o = asObject(v, 'tags');
  if (Object.keys(o).length > 15) throw bad('A key can have at most 15 tags.');
  for (const [k, val] of Object.entries(o)) {
    if (typeof val !== 'string') throw bad(`Tag '${k}' must have a string value.`);
    if (k.length > 512 || val.length > 256) throw bad(`Tag '${k}' is too long (names up to 512, values up to 256 characters).`);
  }
  return o as Record<string, string>;
}

interface AttrInput {
  enabled?: boolean;
  nbf?: number | null;
  exp?: number | null;
}

function parseAttributes(v: unknown): AttrInput {
  if (v === undefined || v === null) return {};
  const o = asObject(v, 'attributes');
  const out: AttrInput = {};
  if (o.enabled !== undefined) {
    if (typeof o.enabled !== 'boolean') throw bad('attributes.enabled must be true or false.');
    out.enabled = o.enabled;
  }
  for (const f of ['nbf', 'exp'] as const) {
    if (o[f] === undefined) continue;
    if (o[f] !== null && (typeof o[f] !== 'number' || !Number.isInteger(o[f]) || (o[f] as number) < 0)) throw bad(`attributes.${f} must be a Unix time in whole seconds.`);
    out[f] = o[f] as number | null;
  }
  if (o.exportable === true) throw bad('Exportable keys need a release policy, which the rehearsal cloud does not support.');
  if (typeof out.nbf === 'number' && typeof out.exp === 'number' && out.nbf >= out.exp) throw bad('attributes.nbf must be before attributes.exp.');
  return out;
}

type Kty = KeyVersionState['kty'];

function newVersion(r: Req, priv: crypto.KeyObject, kty: Kty, keyOps: string[], attrs: AttrInput, tags: Record<string, string>): KeyVersionState {
  const jwk = crypto.createPublicKey(priv).export({ format: 'jwk' });
  const now = nowSeconds(r.ctx);
  return {
    version: crypto.randomBytes(16).toString('hex'),
    kty,
    keyOps,
    privateKeyPem: priv.export({ type: 'pkcs8', format: 'pem' }) as string,
    ...(isEc({ kty }) ? { crv: curveOf(priv)!, x: jwk.x!, y: jwk.y! } : { n: jwk.n!, e: jwk.e! }),
    attributes: {
      enabled: attrs.enabled ?? true,
      ...(typeof attrs.nbf === 'number' ? { nbf: attrs.nbf } : {}),
      ...(typeof attrs.exp === 'number' ? { exp: attrs.exp } : {}),
      created: now,
      updated: now,
    },
    tags,
  };
}

function addVersion(r: Req, name: string, v: KeyVersionState): KeyState {
  const existing = findName(r.vault.keys, name);
  const key = existing ? r.vault.keys[existing]! : { name, versions: [] };
  key.versions.push(v);
  r.vault.keys[key.name] = key;
  return key;
}

function checkKty(kty: unknown): Kty {
  if (typeof kty !== 'string' || !KTYS.includes(kty)) throw bad(`Invalid kty '${String(kty)}'. Valid key types: ${KTYS.join(', ')}.`);
  if (kty === 'oct' || kty === 'oct-HSM') throw bad(`Key type ${kty} is only offered by Managed HSM, which the rehearsal cloud does not model; use RSA, RSA-HSM, EC or EC-HSM.`);
  return kty as Kty;
}

function checkCurve(crv: unknown): keyof typeof CURVES {
  if (crv === undefined || crv === null) return 'P-256';
  if (!isCurveName(crv)) throw bad(`Invalid curve name '${String(crv)}'. Valid curves: ${Object.keys(CURVES).join(', ')}.`);
  return crv;
}

function checkEcOps(ops: string[]): void {
  const wrong = ops.filter((o) => o !== 'sign' && o !== 'verify');
  if (wrong.length) throw bad(`An EC key signs and verifies only; ${wrong.join(', ')} is not possible with it.`);
}

function checkImportOps(kty: string, ops: string[]): void {
  if (ops.includes('import') && (kty !== 'RSA-HSM' || ops.length !== 1)) {
    throw bad('A Key Exchange Key must be kty RSA-HSM with key_ops ["import"] only.');
  }
}

// ---------------------------------------------------------------- operations

async function createKey(r: Req, name: string): Promise<unknown> {
  checkName(name);
  const b = await r.body();
  const kty = checkKty(b.kty);
  const ec = isEc({ kty });
  const size = b.key_size ?? 2048;
  if (!ec && ![2048, 3072, 4096].includes(size as number)) throw bad(`key_size ${String(size)} is not supported; use 2048, 3072 or 4096.`);
  if (!ec && b.public_exponent !== undefined && b.public_exponent !== 65537) throw bad('public_exponent must be 65537.');
  const crv = ec ? checkCurve(b.crv) : null;
  const ops = parseKeyOps(b.key_ops, ec ? DEFAULT_EC_OPS : DEFAULT_RSA_OPS);
  if (ec) checkEcOps(ops);
  checkImportOps(kty, ops);
  const attrs = parseAttributes(b.attributes);
  const tags = parseTags(b.tags) ?? {};
  if (b.release_policy !== undefined) throw bad('Release policies are not supported by the rehearsal cloud.');
  conflictIfDeleted(r, name);
  const { privateKey } = crv ? crypto.generateKeyPairSync('ec', { namedCurve: CURVES[crv].node }) : crypto.generateKeyPairSync('rsa', { modulusLength: size as number, publicExponent: 65537 });
  const v = newVersion(r, privateKey, kty, ops, attrs, tags);
  const key = addVersion(r, name, v);
  r.ctx.store.save();
  return bundle(r, key, v);
}

const JWK_PRIVATE = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

async function importKey(r: Req, name: string): Promise<unknown> {
  checkName(name);
  const b = await r.body();
  const jwk = asObject(b.key, 'key');
  if (b.Hsm !== undefined && typeof b.Hsm !== 'boolean') throw bad('Hsm must be true or false.');
  let kty = checkKty(jwk.kty);
  const attrs = parseAttributes(b.attributes);
  const tags = parseTags(b.tags) ?? {};
  if (b.release_policy !== undefined) throw bad('Release policies are not supported by the rehearsal cloud.');
  if (isEc({ kty })) return importEcKey(r, name, b, jwk, kty, attrs, tags);
  const ops = parseKeyOps(jwk.key_ops, DEFAULT_RSA_OPS);
  if (ops.includes('import')) throw bad('An imported key cannot be a Key Exchange Key; create the KEK in the vault.');
  let priv: crypto.KeyObject;
  if (jwk.key_hsm !== undefined) {
    if (kty !== 'RSA-HSM') throw bad('A BYOK import (key_hsm) must have kty RSA-HSM.');
    const raw = fromB64url(jwk.key_hsm);
    if (!raw || raw.length === 0) throw bad('key_hsm must be base64url.');
    priv = byokUnwrap(r, raw);
  } else {
    for (const f of JWK_PRIVATE) {
      if (typeof jwk[f] !== 'string' || !fromB64url(jwk[f])?.length) throw bad(`The key is missing its '${f}' component (base64url); an import needs the full RSA private key.`);
    }
    try {
      priv = crypto.createPrivateKey({ key: { kty: 'RSA', ...Object.fromEntries(JWK_PRIVATE.map((f) => [f, jwk[f] as string])) }, format: 'jwk' });
    } catch {
      throw bad('The key material is not a valid RSA private key.');
    }
    const pub = crypto.createPublicKey({ key: { kty: 'RSA', n: jwk.n as string, e: jwk.e as string }, format: 'jwk' });
    if (!keyPairMatches(priv, pub)) throw bad('The RSA private key components do not match the public key (n, e).');
  }
  const bits = priv.asymmetricKeyDetails?.modulusLength ?? 0;
  if (![2048, 3072, 4096].includes(bits)) throw bad(`RSA keys of ${bits} bits are not supported; use 2048, 3072 or 4096.`);
  if (b.Hsm === true) kty = 'RSA-HSM';
  conflictIfDeleted(r, name);
  const v = newVersion(r, priv, kty, ops, attrs, tags);
  const key = addVersion(r, name, v);
  r.ctx.store.save();
  return bundle(r, key, v);
}

function importEcKey(r: Req, name: string, b: Record<string, unknown>, jwk: Record<string, unknown>, kty: Kty, attrs: AttrInput, tags: Record<string, string>): unknown {
  if (jwk.key_hsm !== undefined) throw bad('BYOK transfer (key_hsm) of EC keys is not supported by the rehearsal cloud; import the JWK, or use RSA-HSM.');
  const ops = parseKeyOps(jwk.key_ops, DEFAULT_EC_OPS);
  checkEcOps(ops);
  if (ops.includes('import')) throw bad('An imported key cannot be a Key Exchange Key; create the KEK in the vault.');
  if (!isCurveName(jwk.crv)) throw bad(`Invalid or missing curve name '${String(jwk.crv)}'. Valid curves: ${Object.keys(CURVES).join(', ')}.`);
  const crv = jwk.crv;
  for (const f of ['x', 'y', 'd'] as const) {
    if (typeof jwk[f] !== 'string' || !fromB64url(jwk[f])?.length) throw bad(`The key is missing its '${f}' component (base64url); an import needs the full EC private key.`);
  }
  let priv: crypto.KeyObject;
  try {
    priv = crypto.createPrivateKey({ key: { kty: 'EC', crv: CURVES[crv].jwk, x: jwk.x as string, y: jwk.y as string, d: jwk.d as string }, format: 'jwk' });
  } catch {
    throw bad(`The key material is not a valid ${crv} private key.`);
  }
  if (!ecPointMatches(crv, fromB64url(jwk.d)!, fromB64url(jwk.x)!, fromB64url(jwk.y)!)) throw bad('The EC private key does not match the public point (x, y).');
  const finalKty: Kty = b.Hsm === true ? 'EC-HSM' : kty;
  conflictIfDeleted(r, name);
  const v = newVersion(r, priv, finalKty, ops, attrs, tags);
  const key = addVersion(r, name, v);
  r.ctx.store.save();
  return bundle(r, key, v);
}

function byokUnwrap(r: Req, raw: Buffer): crypto.KeyObject {
  try {
    const { header, ciphertext } = parseTransferBlob(raw);
    let kekUrl: URL;
    try {
      kekUrl = new URL(header.kid);
    } catch {
      throw new CryptoInputError('The transfer blob header kid is not a key identifier URL.');
    }
    const m = /^\/keys\/([^/]+)\/([0-9a-fA-F]{32})$/.exec(kekUrl.pathname);
    if (kekUrl.host.toLowerCase() !== r.host.toLowerCase() || !m) {
      throw new CryptoInputError(`The Key Exchange Key ${header.kid} is not a versioned key of this vault (${r.host}).`);
    }
    const kekName = findName(r.vault.keys, m[1]!);
    const kek = kekName ? r.vault.keys[kekName]!.versions.find((x) => x.version === m[2]!.toLowerCase()) : undefined;
    if (!kek) throw new CryptoInputError(`The Key Exchange Key ${header.kid} was not found in this vault.`);
    if (!kek.keyOps.includes('import') || kek.kty !== 'RSA-HSM') throw new CryptoInputError(`The key ${header.kid} is not a Key Exchange Key (kty RSA-HSM, key_ops ["import"]).`);
    if (!kek.attributes.enabled) throw new KvError(403, 'Forbidden', 'Operation import is not allowed on a disabled key exchange key.');
    const now = nowSeconds(r.ctx);
    if (kek.attributes.exp !== undefined && kek.attributes.exp <= now) throw new KvError(403, 'Forbidden', 'Operation import is not allowed on an expired key exchange key.');
    return unwrapTransferCiphertext(crypto.createPrivateKey(kek.privateKeyPem), ciphertext);
  } catch (e) {
    if (e instanceof CryptoInputError) throw bad(e.message);
    throw e;
  }
}

async function updateKey(r: Req, name: string, version: string): Promise<unknown> {
  const { key, v } = getVersion(r, name, version);
  const b = await r.body();
  const ops = b.key_ops === undefined ? undefined : parseKeyOps(b.key_ops, v.keyOps);
  if (ops) checkImportOps(v.kty, ops);
  const attrs = parseAttributes(b.attributes);
  const tags = parseTags(b.tags);
  if (b.release_policy !== undefined) throw bad('Release policies are not supported by the rehearsal cloud.');
  const next = { ...v.attributes };
  if (attrs.enabled !== undefined) next.enabled = attrs.enabled;
  for (const f of ['nbf', 'exp'] as const) {
    if (attrs[f] === null) delete next[f];
    else if (attrs[f] !== undefined) next[f] = attrs[f]!;
  }
  if (next.nbf !== undefined && next.exp !== undefined && next.nbf >= next.exp) throw bad('attributes.nbf must be before attributes.exp.');
  next.updated = nowSeconds(r.ctx);
  v.attributes = next;
  if (ops) v.keyOps = ops;
  if (tags) v.tags = tags;
  r.ctx.store.save();
  return bundle(r, key, v);
}

async function rotateKey(r: Req, name: string): Promise<unknown> {
  const key = getKey(r, name);
  const prev = latest(key);
  const details = crypto.createPrivateKey(prev.privateKeyPem).asymmetricKeyDetails;
  const { privateKey } = isEc(prev)
    ? crypto.generateKeyPairSync('ec', { namedCurve: details!.namedCurve! })
    : crypto.generateKeyPairSync('rsa', { modulusLength: details?.modulusLength ?? 2048, publicExponent: 65537 });
  const v = newVersion(r, privateKey, prev.kty, [...prev.keyOps], {}, { ...prev.tags });
  key.versions.push(v);
  r.ctx.store.save();
  return bundle(r, key, v);
}

function page<T>(r: Req, items: T[], path: string): { value: T[]; nextLink: string | null } {
  const max = r.url.searchParams.get('maxresults');
  const size = max === null ? 25 : Number(max);
  if (!Number.isInteger(size) || size < 1 || size > 25) throw bad('maxresults must be a whole number from 1 to 25.');
  const skip = r.url.searchParams.get('$skiptoken');
  const start = skip === null ? 0 : Number(Buffer.from(skip, 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0) throw bad('The $skiptoken is not valid.');
  const value = items.slice(start, start + size);
  const more = start + size < items.length;
  const apiVersion = r.url.searchParams.get('api-version') ?? '2025-07-01';
  // Key Vault ends the last page with an explicit "nextLink": null (recorded live), as the spec's readers expect.
  if (!more) return { value, nextLink: null };
  return { value, nextLink: `https://${r.host}${path}?api-version=${encodeURIComponent(apiVersion)}&$skiptoken=${Buffer.from(String(start + size)).toString('base64url')}&maxresults=${size}` };
}

function listKeys(r: Req): unknown {
  const items = Object.values(r.vault.keys)
    .filter((k) => inTransit(r, k.name) !== 'recovering')
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((k) => {
      const v = latest(k);
      return { kid: keyId(r, k.name), attributes: attributes(r.vault, v), ...(Object.keys(v.tags).length ? { tags: v.tags } : {}) };
    });
  return page(r, items, '/keys');
}

function listVersions(r: Req, name: string): unknown {
  checkName(name);
  const found = findName(r.vault.keys, name);
  // A key that does not exist has no versions: Key Vault answers 200 with an empty page, not 404.
  if (!found || inTransit(r, found) === 'recovering') return page(r, [], `/keys/${name}/versions`);
  const key = r.vault.keys[found]!;
  const items = key.versions.map((v) => ({ kid: keyId(r, key.name, v.version), attributes: attributes(r.vault, v), ...(Object.keys(v.tags).length ? { tags: v.tags } : {}) }));
  return page(r, items, `/keys/${key.name}/versions`);
}

function deleteKey(r: Req, name: string): unknown {
  const key = getKey(r, name);
  const now = nowSeconds(r.ctx);
  delete r.vault.keys[key.name];
  const d: DeletedKeyState = { ...key, deletedDate: now, scheduledPurgeDate: now + r.vault.retentionDays * 86400 };
  if (r.vault.softDelete) {
    r.vault.deletedKeys[key.name] = d;
    startTransit(r, key.name, 'deleting');
  }
  r.ctx.store.save();
  return { ...bundle(r, d, latest(d)), ...deletedInfo(r, d) };
}

function getDeleted(r: Req, name: string): DeletedKeyState {
  checkName(name);
  const k = findName(r.vault.deletedKeys, name);
  if (!k || inTransit(r, k) === 'deleting') throw new KvError(404, 'KeyNotFound', `Deleted Key not found: ${name}. ${LINK}`);
  return r.vault.deletedKeys[k]!;
}

function listDeleted(r: Req): unknown {
  const items = Object.values(r.vault.deletedKeys)
    .filter((d) => inTransit(r, d.name) !== 'deleting')
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((d) => {
      const v = latest(d);
      return { kid: keyId(r, d.name), attributes: attributes(r.vault, v), ...(Object.keys(v.tags).length ? { tags: v.tags } : {}), ...deletedInfo(r, d) };
    });
  return page(r, items, '/deletedkeys');
}

function recoverKey(r: Req, name: string): unknown {
  const d = getDeleted(r, name);
  const { deletedDate: _a, scheduledPurgeDate: _b, ...key } = d;
  delete r.vault.deletedKeys[d.name];
  r.vault.keys[key.name] = key;
  startTransit(r, key.name, 'recovering');
  r.ctx.store.save();
  return bundle(r, key, latest(key));
}

function purgeKey(r: Req, name: string): void {
  const d = getDeleted(r, name);
  if (r.vault.purgeProtection) {
    throw new KvError(
      403,
      'Forbidden',
      `Operation "purge" is not allowed because purge protection is enabled for vault ${r.vault.name}. Key Vault service will automatically purge it after the retention period has passed.`,
      'PurgeProtectionEnabled',
    );
  }
  delete r.vault.deletedKeys[d.name];
  r.ctx.store.save();
}

const OP_NAMES: Record<string, string> = { encrypt: 'encrypt', decrypt: 'decrypt', wrapkey: 'wrapKey', unwrapkey: 'unwrapKey', sign: 'sign', verify: 'verify' };

function usable(r: Req, v: KeyVersionState, op: string): void {
  if (!v.attributes.enabled) throw new KvError(403, 'Forbidden', `Operation ${op} is not allowed on a disabled key.`, 'KeyDisabled');
  const now = nowSeconds(r.ctx);
  if (v.attributes.nbf !== undefined && v.attributes.nbf > now) throw new KvError(403, 'Forbidden', `Operation ${op} is not allowed on a key that is not yet valid (nbf).`, 'KeyNotYetValid');
  if (v.attributes.exp !== undefined && v.attributes.exp <= now) throw new KvError(403, 'Forbidden', `Operation ${op} is not allowed on an expired key.`, 'KeyExpired');
  if (!v.keyOps.includes(op)) throw new KvError(403, 'Forbidden', `Operation ${op} is not permitted on this key (its key_ops are ${v.keyOps.join(', ')}).`, 'OperationNotPermitted');
}

async function keyOperation(r: Req, name: string, version: string, opPath: string): Promise<unknown> {
  const op = OP_NAMES[opPath]!;
  const { key, v } = getVersion(r, name, version);
  const b = await r.body();
  const alg = b.alg;
  if (typeof alg !== 'string') throw bad("The request is missing 'alg'.");
  const value = fromB64url(b.value);
  if (value === null) throw bad("The request is missing 'value' or it is not base64url.");
  const isEnc = ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'].includes(op);
  const ec = isEc(v);
  if (isEnc && ec) throw bad(`Operation ${op} is not possible with an EC key: EC keys sign and verify only.`);
  if (isEnc && !(ENCRYPTION_ALGS as readonly string[]).includes(alg)) throw bad(`Algorithm ${alg} is not supported for ${op} with an RSA key; use RSA-OAEP, RSA-OAEP-256 or RSA1_5.`);
  if (!isEnc && ec && !EC_SIGNATURE_ALGS[alg]) throw bad(`Algorithm ${alg} is not supported for ${op} with an EC key; use ES256, ES256K, ES384 or ES512 (matching the key's curve).`);
  if (!isEnc && !ec && !SIGNATURE_ALGS[alg] && !PSS_ALGS[alg]) throw bad(`Algorithm ${alg} is not supported for ${op} with an RSA key; use RS256, RS384, RS512, PS256, PS384 or PS512.`);
  usable(r, v, op);
  const kid = keyId(r, key.name, v.version);
  const priv = () => crypto.createPrivateKey(v.privateKeyPem);
  const pub = () =>
    ec
      ? crypto.createPublicKey({ key: { kty: 'EC', crv: CURVES[v.crv as keyof typeof CURVES].jwk, x: v.x!, y: v.y! }, format: 'jwk' })
      : crypto.createPublicKey({ key: { kty: 'RSA', n: v.n!, e: v.e! }, format: 'jwk' });
  try {
    if (ec && op === 'sign') return { kid, value: b64url(ecSignDigest(priv(), v.crv!, alg, value)) };
    if (PSS_ALGS[alg] && op === 'sign') return { kid, value: b64url(pssSignDigest(priv(), alg, value)) };
    if (op === 'verify' && (ec || PSS_ALGS[alg])) {
      const digest = fromB64url(b.digest);
      if (digest === null) throw bad("The request is missing 'digest' or it is not base64url.");
      return { value: ec ? ecVerifyDigest(pub(), v.crv!, alg, digest, value) : pssVerifyDigest(pub(), alg, digest, value) };
    }
    switch (op) {
      case 'encrypt':
      case 'wrapKey':
        return { kid, value: b64url(rsaEncrypt(pub(), alg, value)) };
      case 'decrypt':
      case 'unwrapKey': {
        const out = rsaDecrypt(priv(), alg, value);
        return { kid, value: b64url(out) };
      }
      case 'sign':
        return { kid, value: b64url(rsaSignDigest(priv(), alg, value)) };
      default: {
        const digest = fromB64url(b.digest);
        if (digest === null) throw bad("The request is missing 'digest' or it is not base64url.");
        return { value: rsaVerifyDigest(pub(), alg, digest, value) };
      }
    }
  } catch (e) {
    if (e instanceof CryptoInputError) throw bad(e.message);
    throw e;
  }
}

const DURATION_RE = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

function rotationPolicy(r: Req, key: KeyState): unknown {
  const p = key.rotationPolicy;
  return {
    id: `https://${r.host}/keys/${key.name}/rotationpolicy`,
    lifetimeActions: p?.lifetimeActions ?? [{ trigger: { timeBeforeExpiry: 'P30D' }, action: { type: 'Notify' } }],
    attributes: p ? p.attributes : {},
  };
}

async function putRotationPolicy(r: Req, name: string): Promise<unknown> {
  const key = getKey(r, name);
  const b = await r.body();
  const actions = b.lifetimeActions ?? [];
  if (!Array.isArray(actions)) throw bad('lifetimeActions must be an array.');
  for (const a of actions) {
    const o = asObject(a, 'a lifetime action');
    const t = asObject(o.trigger, 'trigger');
    const act = asObject(o.action, 'action');
    if (!['Rotate', 'Notify', 'rotate', 'notify'].includes(String(act.type))) throw bad('action.type must be Rotate or Notify.');
    for (const d of [t.timeAfterCreate, t.timeBeforeExpiry]) if (d !== undefined && (typeof d !== 'string' || !DURATION_RE.test(d))) throw bad(`'${String(d)}' is not an ISO 8601 duration.`);
  }
  const attrs = b.attributes === undefined ? {} : asObject(b.attributes, 'attributes');
  if (attrs.expiryTime !== undefined && (typeof attrs.expiryTime !== 'string' || !DURATION_RE.test(attrs.expiryTime))) throw bad('attributes.expiryTime must be an ISO 8601 duration.');
  const now = nowSeconds(r.ctx);
  key.rotationPolicy = {
    lifetimeActions: actions,
    attributes: { ...(attrs.expiryTime ? { expiryTime: attrs.expiryTime as string } : {}), created: key.rotationPolicy?.attributes.created ?? now, updated: now },
  };
  r.ctx.store.save();
  return rotationPolicy(r, key);
}

// ---------------------------------------------------------------- backup and restore

/** Every version of the key in one opaque blob that only a vault of the same tenant can restore, as Azure's. */
function backupKey(r: Req, name: string): unknown {
  const key = getKey(r, name);
  return { value: b64url(sealBackup(r.ctx.state.signingKey.privateKeyPem, r.vault.tenantId, key)) };
}

async function restoreKey(r: Req): Promise<unknown> {
  const b = await r.body();
  const raw = fromB64url(b.value);
  if (raw === null || raw.length === 0) throw bad("The request is missing 'value' (the backup blob, base64url).");
  const key = openBackup(r.ctx.state.signingKey.privateKeyPem, r.vault.tenantId, raw);
  if (!key) {
    throw bad('The backup blob is damaged, or was made in a vault of another tenant: Key Vault restores a key backup only into a vault of the same subscription (tenant) and geography.');
  }
  checkName(key.name);
  conflictIfDeleted(r, key.name);
  if (findName(r.vault.keys, key.name)) {
    throw new KvError(409, 'Conflict', `A key named ${key.name} already exists in vault ${r.vault.name}: a restore never overwrites a key. Delete and purge it, or restore into another vault.`);
  }
  r.vault.keys[key.name] = key;
  r.ctx.store.save();
  return bundle(r, key, latest(key));
}

async function randomBytes(r: Req): Promise<unknown> {
  const b = await r.body();
  const count = b.count;
  if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 128) throw bad('count must be a whole number from 1 to 128.');
  return { value: b64url(crypto.randomBytes(count as number)) };
}

// ---------------------------------------------------------------- routing

/** Deleted keys past their scheduled purge date are gone, as the service purges them itself. */
function purgeDue(ctx: CloudContext, vault: Vault): void {
  const now = nowSeconds(ctx);
  let changed = false;
  for (const [name, d] of Object.entries(vault.deletedKeys)) {
    if (d.scheduledPurgeDate <= now) {
      delete vault.deletedKeys[name];
      changed = true;
    }
  }
  if (changed) ctx.store.save();
}

type Handler = { action: string; run: () => Promise<unknown> | unknown; status?: number };

function route(r: Req, seg: string[]): Handler {
  const m = r.method;
  const notAllowed = () => new KvError(405, 'MethodNotAllowed', `${m} is not allowed on ${r.url.pathname}.`);
  if (seg[0] === 'keys') {
    if (seg.length === 1) {
      if (m === 'GET') return { action: 'read', run: () => listKeys(r) };
      throw notAllowed();
    }
    const name = decodeURIComponent(seg[1]!);
    if (seg.length === 2) {
      if (name === 'restore' && m === 'POST') return { action: 'restore/action', run: () => restoreKey(r) };
      if (m === 'PUT') return { action: 'import/action', run: () => importKey(r, name) };
      if (m === 'DELETE') return { action: 'delete', run: () => deleteKey(r, name) };
      if (m === 'GET') return { action: 'read', run: () => bundleOf(r, name, '') };
      throw notAllowed();
    }
    const third = seg[2]!;
    if (seg.length === 3) {
      if (third === 'create' && m === 'POST') return { action: 'create/action', run: () => createKey(r, name) };
      if (third === 'rotate' && m === 'POST') return { action: 'rotate/action', run: () => rotateKey(r, name) };
      if (third === 'versions' && m === 'GET') return { action: 'read', run: () => listVersions(r, name) };
      if (third === 'backup' && m === 'POST') return { action: 'backup/action', run: () => backupKey(r, name) };
      if (third === 'rotationpolicy' && m === 'GET') return { action: 'rotationpolicy/read', run: () => rotationPolicy(r, getKey(r, name)) };
      if (third === 'rotationpolicy' && m === 'PUT') return { action: 'rotationpolicy/write', run: () => putRotationPolicy(r, name) };
      if (['create', 'rotate', 'versions', 'backup', 'rotationpolicy'].includes(third)) throw notAllowed();
      if (m === 'GET') return { action: 'read', run: () => bundleOf(r, name, third) };
      if (m === 'PATCH') return { action: 'write', run: () => updateKey(r, name, third) };
      throw notAllowed();
    }
    if (seg.length === 4) {
      const op = seg[3]!.toLowerCase();
      if (OP_NAMES[op] && m === 'POST') return { action: `${OP_NAMES[op]}/action`, run: () => keyOperation(r, name, third, op) };
      if (op === 'attestation' && m === 'GET') return { action: 'read', run: () => bundleOf(r, name, third) };
      if (op === 'release' && m === 'POST') return { action: 'release/action', run: () => notImplemented('release') };
      if (OP_NAMES[op] || op === 'attestation' || op === 'release') throw notAllowed();
    }
  }
  if (seg[0] === 'deletedkeys') {
    if (seg.length === 1 && m === 'GET') return { action: 'deletedKeys/read', run: () => listDeleted(r) };
    const name = decodeURIComponent(seg[1] ?? '');
    if (seg.length === 2 && m === 'GET') return { action: 'deletedKeys/read', run: () => { const d = getDeleted(r, name); return { ...bundle(r, d, latest(d)), ...deletedInfo(r, d) }; } };
    if (seg.length === 2 && m === 'DELETE') return { action: 'deletedKeys/delete', status: 204, run: () => purgeKey(r, name) };
    if (seg.length === 3 && seg[2] === 'recover' && m === 'POST') return { action: 'deletedKeys/recover/action', run: () => recoverKey(r, name) };
  }
  if (seg[0] === 'rng' && seg.length === 1 && m === 'POST') return { action: 'rng/action', run: () => randomBytes(r) };
  throw new KvError(404, 'NotFound', `There is no Key Vault operation at ${m} ${r.url.pathname} in the rehearsal cloud.`);
}

function bundleOf(r: Req, name: string, version: string): unknown {
  const { key, v } = getVersion(r, name, version);
  return bundle(r, key, v);
}

function notImplemented(what: string): never {
  throw new KvError(501, 'NotImplemented', `The rehearsal cloud does not implement key ${what}.`);
}

export async function handleKeyVault(ctx: CloudContext, vault: Vault | undefined, req: IncomingMessage, res: ServerResponse, url: URL, host: string): Promise<void> {
  try {
    if (!vault) throw new KvError(404, 'VaultNotFound', `There is no vault at ${host} in the rehearsal cloud. Check the vault URL in the rehearsal descriptor.`);
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion) throw bad("The 'api-version' query parameter is missing.");
    if (!API_VERSIONS.has(apiVersion)) throw bad(`The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (2025-07-01).`);
    let bodyPromise: Promise<Record<string, unknown>> | undefined;
    const r: Req = {
      ctx,
      vault,
      host,
      url,
      method: req.method ?? 'GET',
      body: () =>
        (bodyPromise ??= readBody(req).then((buf) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(buf.toString('utf8'));
          } catch {
            throw bad('The request body is not valid JSON.');
          }
          return asObject(parsed, 'The request body');
        })),
    };
    const seg = url.pathname.split('/').slice(1);
    if (seg.length > 1 && seg[seg.length - 1] === '' && !(seg[0] === 'keys' && seg.length === 3)) seg.pop();
    purgeDue(ctx, vault);
    const h = route(r, seg);
    authorize(ctx, vault, req, h.action);
    const out = await h.run();
    if (h.status === 204) sendJson(res, 204, undefined);
    else sendJson(res, 200, out);
  } catch (e) {
    if (e instanceof KvError) {
      sendKvError(res, e, e.status === 401 && vault ? { 'www-authenticate': challengeHeader(ctx, vault) } : {});
      return;
    }
    if (e instanceof BodyTooLarge) {
      sendKvError(res, bad(`The request body is too large: ${e.message}.`), { connection: 'close' });
      return;
    }
    throw e;
  }
}
