/**
 * AWS KMS double: the JSON 1.1 protocol (`POST /`, `X-Amz-Target:
 * TrentService.{Operation}`), every request SigV4-signed with a known access
 * key and authorised from the key's policy, and the operations a key holder's
 * import (BYOK), the vendor's use and the key's lifecycle need. Errors carry
 * AWS's codes (`__type`) and HTTP statuses; responses carry only members that
 * AWS's published API model names (checked in kms.contract.test.ts).
 *
 * Written from AWS's public API reference; it never imports the app's services.
 */
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { KMS_FAULT_CODES, type FaultTable } from '../admin/faults';
import type { CloudContext } from '../context';
import { readBody } from '../http';
import { CiphertextError, WRAPPING_ALGORITHMS, WRAPPING_KEY_SPECS, ciphertextKeyArn, hmacSha256, open, seal, unwrapMaterial, type WrappingAlgorithm } from './crypto';
import { PolicyError, isAllowed, parsePolicy, type Statement } from './policy';
import { SignatureError, verifySigV4 } from './sigv4';
import { KMS_SERVICE, defaultKeyPolicy, seedKmsState, type ExpirationModel, type KeySpec, type KmsKey, type KmsPrincipal, type KmsState } from './state';

const DAY_MS = 24 * 3600_000;
/** AWS: import parameters are valid for 24 hours. */
const IMPORT_PARAMETERS_VALIDITY_MS = DAY_MS;
/** AWS: imported material may be given a ValidTo at most 365 days ahead. */
const MAX_VALID_TO_MS = 365 * DAY_MS;
const MAX_PLAINTEXT_BYTES = 4096;

/** An error in AWS's words: `__type`, HTTP status, message. */
class KmsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const STATUS: Record<string, number> = {
  NotFoundException: 404,
  KMSInvalidStateException: 409,
  DisabledException: 409,
  AlreadyExistsException: 409,
  KMSInternalException: 500,
};
const err = (code: string, message: string) => new KmsError(code, message, STATUS[code] ?? 400);

export function kmsState(ctx: CloudContext): KmsState {
  if (!ctx.state.kms) {
    ctx.state.kms = seedKmsState();
    ctx.store.save();
  }
  return ctx.state.kms;
}

type Input = Record<string, unknown>;
interface Call {
  ctx: CloudContext;
  kms: KmsState;
  caller: KmsPrincipal;
  region: string;
  now: number;
  input: Input;
}

/* ---------- input helpers (JSON 1.1: blobs are base64, timestamps epoch seconds) ---------- */

function str(input: Input, name: string, required: true, max?: number): string;
function str(input: Input, name: string, required?: false, max?: number): string | undefined;
function str(input: Input, name: string, required = false, max = 2048): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) {
    if (required) throw err('ValidationException', `1 validation error detected: Value null at '${lower(name)}' failed to satisfy constraint: Member must not be null`);
    return undefined;
  }
  if (typeof v !== 'string') throw err('SerializationException', `${name} must be a string.`);
  if (v.length < 1 || v.length > max) throw err('ValidationException', `1 validation error detected: Value at '${lower(name)}' failed to satisfy constraint: Member must have length between 1 and ${max}`);
  return v;
}

function blob(input: Input, name: string, required: true, max?: number): Buffer;
function blob(input: Input, name: string, required?: false, max?: number): Buffer | undefined;
function blob(input: Input, name: string, required = false, max = 6144): Buffer | undefined {
  const v = input[name];
  if (v === undefined || v === null) {
    if (required) throw err('ValidationException', `1 validation error detected: Value null at '${lower(name)}' failed to satisfy constraint: Member must not be null`);
    return undefined;
  }
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw err('SerializationException', `${name} must be base64.`);
  const b = Buffer.from(v, 'base64');
  if (b.length < 1 || b.length > max) throw err('ValidationException', `1 validation error detected: Value at '${lower(name)}' failed to satisfy constraint: Member must have length between 1 and ${max}`);
  return b;
}

function oneOf<T extends string>(input: Input, name: string, allowed: readonly T[], fallback?: T): T {
  const v = input[name] ?? fallback;
  if (v === undefined) throw err('ValidationException', `1 validation error detected: Value null at '${lower(name)}' failed to satisfy constraint: Member must not be null`);
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    throw err('ValidationException', `1 validation error detected: Value '${String(v)}' at '${lower(name)}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return v as T;
}

function context(input: Input): Record<string, string> {
  const v = input.EncryptionContext;
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v as object).every((x) => typeof x === 'string')) throw err('SerializationException', 'EncryptionContext must map strings to strings.');
  return v as Record<string, string>;
}

function bool(input: Input, name: string): boolean {
  const v = input[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw err('SerializationException', `${name} must be a boolean.`);
  return v;
}

const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const seconds = (ms: number) => ms / 1000;

/* ---------- keys: lookup, state, authorisation ---------- */

const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/([0-9a-f-]{36})$/;
const ALIAS_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(alias\/[\w/-]+)$/;

/** Applies the passage of time: deletions that are due happen, expired imported material is gone. */
function refresh(kms: KmsState, now: number): void {
  kms.keys = kms.keys.filter((k) => !(k.keyState === 'PendingDeletion' && k.deletionDate !== undefined && k.deletionDate <= now));
  const live = new Set(kms.keys.map((k) => k.keyId));
  kms.aliases = kms.aliases.filter((a) => live.has(a.targetKeyId));
  for (const k of kms.keys) {
    if (k.origin === 'EXTERNAL' && k.expirationModel === 'KEY_MATERIAL_EXPIRES' && k.validTo !== undefined && k.validTo <= now && k.material !== undefined) {
      // AWS deletes expired material; the key waits for a re-import (of the same material).
      k.material = undefined;
      k.validTo = undefined;
      k.expirationModel = undefined;
      if (k.keyState !== 'PendingDeletion') k.keyState = 'PendingImport';
    }
  }
}

function findKey(c: Call, keyIdParam: string): KmsKey {
  const { kms, caller, region } = c;
  let key: KmsKey | undefined;
  let arnMatch: RegExpExecArray | null;
  if ((arnMatch = KEY_ARN.exec(keyIdParam))) {
    key = kms.keys.find((k) => k.arn === keyIdParam);
  } else if ((arnMatch = ALIAS_ARN.exec(keyIdParam))) {
    const [, , r, acct, name] = arnMatch;
    const alias = kms.aliases.find((a) => a.aliasName === name && a.accountId === acct && a.region === r);
    key = alias ? kms.keys.find((k) => k.keyId === alias.targetKeyId) : undefined;
  } else if (keyIdParam.startsWith('alias/')) {
    const alias = kms.aliases.find((a) => a.aliasName === keyIdParam && a.accountId === caller.accountId && a.region === region);
    key = alias ? kms.keys.find((k) => k.keyId === alias.targetKeyId) : undefined;
    if (!key) throw err('NotFoundException', `Alias arn:aws:kms:${region}:${caller.accountId}:${keyIdParam} is not found.`);
  } else if (KEY_ID.test(keyIdParam)) {
    key = kms.keys.find((k) => k.keyId === keyIdParam && k.accountId === caller.accountId && k.region === region);
  } else {
    throw err('NotFoundException', `Invalid keyId '${keyIdParam}'`);
  }
  if (!key) {
    const shown = KEY_ID.test(keyIdParam) ? `arn:aws:kms:${region}:${caller.accountId}:key/${keyIdParam}` : keyIdParam;
    throw err('NotFoundException', `Key '${shown}' does not exist`);
  }
  return key;
}

function authorise(c: Call, key: KmsKey, operation: string): void {
  const action = `kms:${operation}`;
  let statements: Statement[];
  try {
    statements = parsePolicy(key.policy);
  } catch {
    // A policy the double cannot read allows nothing (stored policies were checked on the way in).
    statements = [];
  }
  if (!isAllowed(statements, c.caller, key.accountId, action)) {
    throw err('AccessDeniedException', `User: ${c.caller.callerArn} is not authorized to perform: ${action} on resource: ${key.arn} because no resource-based policy allows the ${action} action`);
  }
}

function identityAuthorise(c: Call, operation: string): void {
  const action = `kms:${operation}`;
  if (!c.caller.identityAllows.some((p) => new RegExp(`^${p.replace(/\*/g, '.*')}$`, 'i').test(action))) {
    throw err('AccessDeniedException', `User: ${c.caller.callerArn} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`);
  }
}

/** Finds the key named by KeyId and checks the caller may perform the operation on it. */
function keyFor(c: Call, operation: string, param = 'KeyId'): KmsKey {
  const key = findKey(c, str(c.input, param, true));
  authorise(c, key, operation);
  return key;
}

function requireUsable(key: KmsKey, usage: KmsKey['keyUsage'], operation: string): Buffer {
  if (key.keyState === 'Disabled') throw err('DisabledException', `${key.arn} is disabled.`);
  if (key.keyState !== 'Enabled' || key.material === undefined) throw err('KMSInvalidStateException', `${key.arn} is ${key.keyState}.`);
  if (key.keyUsage !== usage) throw err('InvalidKeyUsageException', `${operation} is not a valid operation for a key with KeyUsage ${key.keyUsage} (${key.arn}).`);
  return Buffer.from(key.material, 'base64');
}

function metadata(k: KmsKey): Record<string, unknown> {
  return {
    AWSAccountId: k.accountId,
    KeyId: k.keyId,
    Arn: k.arn,
    CreationDate: seconds(k.creationDate),
    Enabled: k.keyState === 'Enabled',
    Description: k.description,
    KeyUsage: k.keyUsage,
    KeyState: k.keyState,
    ...(k.deletionDate !== undefined ? { DeletionDate: seconds(k.deletionDate) } : {}),
    ...(k.validTo !== undefined ? { ValidTo: seconds(k.validTo) } : {}),
    Origin: k.origin,
    ...(k.origin === 'EXTERNAL' && k.expirationModel ? { ExpirationModel: k.expirationModel } : {}),
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: k.keySpec,
    KeySpec: k.keySpec,
    ...(k.keyUsage === 'ENCRYPT_DECRYPT' ? { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] } : { MacAlgorithms: ['HMAC_SHA_256'] }),
    MultiRegion: false,
    ...(k.pendingWindowInDays !== undefined && k.keyState === 'PendingDeletion' ? { PendingDeletionWindowInDays: k.pendingWindowInDays } : {}),
  };
}

function checkPolicy(c: Call, policy: string, keyAccount: string, bypass: boolean): void {
  let statements: Statement[];
  try {
    statements = parsePolicy(policy);
  } catch (e) {
    throw err('MalformedPolicyDocumentException', (e as PolicyError).message);
  }
  // AWS's policy lockout safety check: the caller must still be able to change the policy afterwards.
  if (!bypass && !isAllowed(statements, c.caller, keyAccount, 'kms:PutKeyPolicy')) {
    throw err(
      'MalformedPolicyDocumentException',
      'The new key policy will not allow you to update the key policy in the future (policy lockout safety check). Keep kms:PutKeyPolicy for yourself or your account.',
    );
  }
}

/* ---------- operations ---------- */

type Op = (c: Call) => Record<string, unknown>;

const operations: Record<string, Op> = {
  CreateKey(c) {
    identityAuthorise(c, 'CreateKey');
    const keySpec = oneOf<KeySpec>(c.input, 'KeySpec', ['SYMMETRIC_DEFAULT', 'HMAC_256'], 'SYMMETRIC_DEFAULT');
    const usage = oneOf(c.input, 'KeyUsage', ['ENCRYPT_DECRYPT', 'GENERATE_VERIFY_MAC'], keySpec === 'HMAC_256' ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT');
    if ((keySpec === 'HMAC_256') !== (usage === 'GENERATE_VERIFY_MAC')) throw err('ValidationException', `KeyUsage ${usage} is not compatible with KeySpec ${keySpec}.`);
    const origin = oneOf(c.input, 'Origin', ['AWS_KMS', 'EXTERNAL'], 'AWS_KMS');
    if (bool(c.input, 'MultiRegion')) throw err('UnsupportedOperationException', 'The rehearsal double does not create multi-Region keys.');
    const description = str(c.input, 'Description', false, 8192) ?? '';
    const tagsIn = c.input.Tags ?? [];
    if (!Array.isArray(tagsIn) || !tagsIn.every((t: unknown) => t && typeof (t as Input).TagKey === 'string' && typeof (t as Input).TagValue === 'string')) {
      throw err('TagException', 'Tags must be a list of {TagKey, TagValue} strings.');
    }
    const keyId = crypto.randomUUID();
    const arn = `arn:aws:kms:${c.region}:${c.caller.accountId}:key/${keyId}`;
    const policy = str(c.input, 'Policy', false, 32768) ?? defaultKeyPolicy(c.caller.accountId);
    checkPolicy(c, policy, c.caller.accountId, bool(c.input, 'BypassPolicyLockoutSafetyCheck'));
    const key: KmsKey = {
      keyId,
      accountId: c.caller.accountId,
      region: c.region,
      arn,
      description,
      keySpec,
      keyUsage: usage,
      origin,
      keyState: origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled',
      creationDate: c.now,
      policy,
      tags: (tagsIn as { TagKey: string; TagValue: string }[]).map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue })),
      ...(origin === 'AWS_KMS' ? { material: crypto.randomBytes(32).toString('base64') } : {}),
      importParameters: [],
    };
    c.kms.keys.push(key);
    return { KeyMetadata: metadata(key) };
  },

  DescribeKey(c) {
    return { KeyMetadata: metadata(keyFor(c, 'DescribeKey')) };
  },

  GetParametersForImport(c) {
    const key = keyFor(c, 'GetParametersForImport');
    const algorithm = oneOf<WrappingAlgorithm>(c.input, 'WrappingAlgorithm', WRAPPING_ALGORITHMS);
    const spec = oneOf(c.input, 'WrappingKeySpec', Object.keys(WRAPPING_KEY_SPECS) as (keyof typeof WRAPPING_KEY_SPECS)[]);
    if (key.origin !== 'EXTERNAL') throw err('UnsupportedOperationException', `${key.arn} origin is ${key.origin} which is not valid for this operation.`);
    if (key.keyState === 'PendingDeletion') throw err('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    const { privateKey, publicKey } = wrappingKey(c.ctx, spec);
    const token = crypto.randomBytes(64);
    const validTo = c.now + IMPORT_PARAMETERS_VALIDITY_MS;
    // Older parameters stay usable until they expire; keep a handful, expired ones too (their reuse is told apart from a forged token).
    key.importParameters = key.importParameters.slice(-4);
    key.importParameters.push({
      tokenHash: crypto.createHash('sha256').update(token).digest('hex'),
      wrappingAlgorithm: algorithm,
      wrappingKeySpec: spec,
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      validTo,
    });
    return { KeyId: key.arn, ImportToken: token.toString('base64'), PublicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), ParametersValidTo: seconds(validTo) };
  },

  ImportKeyMaterial(c) {
    const key = keyFor(c, 'ImportKeyMaterial');
    const token = blob(c.input, 'ImportToken', true);
    const wrapped = blob(c.input, 'EncryptedKeyMaterial', true);
    if (key.origin !== 'EXTERNAL') throw err('UnsupportedOperationException', `${key.arn} origin is ${key.origin} which is not valid for this operation.`);
    if (key.keyState === 'PendingDeletion') throw err('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    const validToIn = c.input.ValidTo;
    if (validToIn !== undefined && validToIn !== null && typeof validToIn !== 'number') throw err('SerializationException', 'ValidTo must be a timestamp.');
    const model = oneOf<ExpirationModel>(c.input, 'ExpirationModel', ['KEY_MATERIAL_EXPIRES', 'KEY_MATERIAL_DOES_NOT_EXPIRE'], validToIn == null ? 'KEY_MATERIAL_DOES_NOT_EXPIRE' : 'KEY_MATERIAL_EXPIRES');
    let validTo: number | undefined;
    if (model === 'KEY_MATERIAL_EXPIRES') {
      if (typeof validToIn !== 'number') throw err('ValidationException', 'ValidTo is required when ExpirationModel is KEY_MATERIAL_EXPIRES.');
      validTo = Math.round(validToIn * 1000);
      if (validTo <= c.now) throw err('ValidationException', 'ValidTo must be in the future.');
      if (validTo > c.now + MAX_VALID_TO_MS) throw err('ValidationException', 'ValidTo must be at most 365 days after the request.');
    } else if (validToIn != null) {
      throw err('ValidationException', 'ValidTo must be omitted when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.');
    }
    const hash = crypto.createHash('sha256').update(token).digest('hex');
    const params = key.importParameters.find((p) => p.tokenHash === hash);
    if (!params) {
      const elsewhere = c.kms.keys.some((k) => k.importParameters.some((p) => p.tokenHash === hash));
      throw err('InvalidImportTokenException', elsewhere ? `The import token belongs to another KMS key, not ${key.arn}.` : `The import token is not valid for ${key.arn}.`);
    }
    if (params.validTo <= c.now) throw err('ExpiredImportTokenException', 'The import token is expired (import parameters are valid for 24 hours). Call GetParametersForImport again for a new public key and import token.');
    let material: Buffer;
    try {
      material = unwrapMaterial(params.privateKeyPem, params.wrappingAlgorithm as WrappingAlgorithm, wrapped);
    } catch {
      throw err('InvalidCiphertextException', `The EncryptedKeyMaterial could not be decrypted with the ${params.wrappingAlgorithm} wrapping key of this import token.`);
    }
    const sizeOk = key.keySpec === 'SYMMETRIC_DEFAULT' ? material.length === 32 : material.length >= 32 && material.length <= 64;
    if (!sizeOk) throw err('IncorrectKeyMaterialException', `The key material is ${material.length} bytes; a ${key.keySpec} key needs ${key.keySpec === 'SYMMETRIC_DEFAULT' ? '32' : '32 to 64'} bytes.`);
    // A key keeps the fingerprint of its first material for life (even after that material expired): only the same material fits.
    const fingerprint = crypto.createHash('sha256').update(material).digest('hex');
    if (key.materialHash !== undefined && key.materialHash !== fingerprint) {
      throw err('IncorrectKeyMaterialException', `The key material is not the material previously imported into ${key.arn}.`);
    }
    key.material = material.toString('base64');
    key.materialHash = fingerprint;
    key.expirationModel = model;
    key.validTo = validTo;
    if (key.keyState === 'PendingImport') key.keyState = 'Enabled';
    return {};
  },

  Encrypt(c) {
    const key = keyFor(c, 'Encrypt');
    const plaintext = blob(c.input, 'Plaintext', true, MAX_PLAINTEXT_BYTES);
    oneOf(c.input, 'EncryptionAlgorithm', ['SYMMETRIC_DEFAULT'], 'SYMMETRIC_DEFAULT');
    const material = requireUsable(key, 'ENCRYPT_DECRYPT', 'Encrypt');
    return { CiphertextBlob: seal(key.arn, material, plaintext, context(c.input)).toString('base64'), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },

  Decrypt(c) {
    const ciphertext = blob(c.input, 'CiphertextBlob', true);
    oneOf(c.input, 'EncryptionAlgorithm', ['SYMMETRIC_DEFAULT'], 'SYMMETRIC_DEFAULT');
    let named: string;
    try {
      named = ciphertextKeyArn(ciphertext);
    } catch {
      throw err('InvalidCiphertextException', 'The ciphertext is not valid (it was not made by this KMS, or it is damaged).');
    }
    const key = findKey(c, named);
    const requested = str(c.input, 'KeyId');
    if (requested !== undefined && findKey(c, requested).keyId !== key.keyId) {
      throw err('IncorrectKeyException', 'The key ID in the request does not identify a KMS key that can perform this operation: the ciphertext was made by another KMS key.');
    }
    authorise(c, key, 'Decrypt');
    const material = requireUsable(key, 'ENCRYPT_DECRYPT', 'Decrypt');
    let plaintext: Buffer;
    try {
      plaintext = open(material, ciphertext, context(c.input));
    } catch (e) {
      if (e instanceof CiphertextError) throw err('InvalidCiphertextException', 'The ciphertext or its encryption context is not valid.');
      throw e;
    }
    return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },

  GenerateDataKey(c) {
    const key = keyFor(c, 'GenerateDataKey');
    const spec = c.input.KeySpec;
    const n = c.input.NumberOfBytes;
    if ((spec === undefined) === (n === undefined)) throw err('ValidationException', 'Specify either KeySpec or NumberOfBytes, but not both.');
    let length: number;
    if (spec !== undefined) length = oneOf(c.input, 'KeySpec', ['AES_256', 'AES_128']) === 'AES_256' ? 32 : 16;
    else {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1024) throw err('ValidationException', 'NumberOfBytes must be between 1 and 1024.');
      length = n;
    }
    const material = requireUsable(key, 'ENCRYPT_DECRYPT', 'GenerateDataKey');
    const dataKey = crypto.randomBytes(length);
    return { CiphertextBlob: seal(key.arn, material, dataKey, context(c.input)).toString('base64'), Plaintext: dataKey.toString('base64'), KeyId: key.arn };
  },

  GenerateMac(c) {
    const key = keyFor(c, 'GenerateMac');
    const message = blob(c.input, 'Message', true, MAX_PLAINTEXT_BYTES);
    const algorithm = oneOf(c.input, 'MacAlgorithm', ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512']);
    const material = requireUsable(key, 'GENERATE_VERIFY_MAC', 'GenerateMac');
    if (algorithm !== 'HMAC_SHA_256') throw err('InvalidKeyUsageException', `${algorithm} is not a valid MAC algorithm for ${key.keySpec} key ${key.arn}.`);
    return { Mac: hmacSha256(material, message).toString('base64'), MacAlgorithm: algorithm, KeyId: key.arn };
  },

  VerifyMac(c) {
    const key = keyFor(c, 'VerifyMac');
    const message = blob(c.input, 'Message', true, MAX_PLAINTEXT_BYTES);
    const mac = blob(c.input, 'Mac', true);
    const algorithm = oneOf(c.input, 'MacAlgorithm', ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512']);
    const material = requireUsable(key, 'GENERATE_VERIFY_MAC', 'VerifyMac');
    if (algorithm !== 'HMAC_SHA_256') throw err('InvalidKeyUsageException', `${algorithm} is not a valid MAC algorithm for ${key.keySpec} key ${key.arn}.`);
    const expected = hmacSha256(material, message);
    if (mac.length !== expected.length || !crypto.timingSafeEqual(mac, expected)) throw err('KMSInvalidMacException', 'The MAC does not match the message under this key.');
    return { KeyId: key.arn, MacValid: true, MacAlgorithm: algorithm };
  },

  GetKeyPolicy(c) {
    const key = keyFor(c, 'GetKeyPolicy');
    if ((str(c.input, 'PolicyName') ?? 'default') !== 'default') throw err('NotFoundException', 'Only the policy named default exists.');
    return { Policy: key.policy, PolicyName: 'default' };
  },

  PutKeyPolicy(c) {
    const key = keyFor(c, 'PutKeyPolicy');
    if ((str(c.input, 'PolicyName') ?? 'default') !== 'default') throw err('ValidationException', 'PolicyName must be default.');
    const policy = str(c.input, 'Policy', true, 32768);
    if (key.keyState === 'PendingDeletion') throw err('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    checkPolicy(c, policy, key.accountId, bool(c.input, 'BypassPolicyLockoutSafetyCheck'));
    key.policy = policy;
    return {};
  },

  DisableKey(c) {
    const key = keyFor(c, 'DisableKey');
    if (key.keyState === 'PendingDeletion' || key.keyState === 'PendingImport') throw err('KMSInvalidStateException', `${key.arn} is ${key.keyState}.`);
    key.keyState = 'Disabled';
    return {};
  },

  EnableKey(c) {
    const key = keyFor(c, 'EnableKey');
    if (key.keyState === 'PendingDeletion' || key.keyState === 'PendingImport') throw err('KMSInvalidStateException', `${key.arn} is ${key.keyState}.`);
    key.keyState = 'Enabled';
    return {};
  },

  ScheduleKeyDeletion(c) {
    const key = keyFor(c, 'ScheduleKeyDeletion');
    const w = c.input.PendingWindowInDays ?? 30;
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 7 || w > 30) throw err('ValidationException', 'PendingWindowInDays must be between 7 and 30.');
    if (key.keyState === 'PendingDeletion') throw err('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    key.keyState = 'PendingDeletion';
    key.deletionDate = c.now + w * DAY_MS;
    key.pendingWindowInDays = w;
    return { KeyId: key.arn, DeletionDate: seconds(key.deletionDate), KeyState: key.keyState, PendingWindowInDays: w };
  },

  CancelKeyDeletion(c) {
    const key = keyFor(c, 'CancelKeyDeletion');
    if (key.keyState !== 'PendingDeletion') throw err('KMSInvalidStateException', `${key.arn} is not pending deletion.`);
    // AWS brings a key back disabled (or waiting for its material): enabling it is a separate, deliberate step.
    key.keyState = key.material === undefined && key.origin === 'EXTERNAL' ? 'PendingImport' : 'Disabled';
    key.deletionDate = undefined;
    key.pendingWindowInDays = undefined;
    return { KeyId: key.arn };
  },

  ListKeys(c) {
    identityAuthorise(c, 'ListKeys');
    const all = c.kms.keys.filter((k) => k.accountId === c.caller.accountId && k.region === c.region);
    return page(c, all, (k) => ({ KeyId: k.keyId, KeyArn: k.arn }), 'Keys');
  },

  ListAliases(c) {
    identityAuthorise(c, 'ListAliases');
    let all = c.kms.aliases.filter((a) => a.accountId === c.caller.accountId && a.region === c.region);
    const keyParam = str(c.input, 'KeyId');
    if (keyParam !== undefined) {
      const key = findKey(c, keyParam);
      all = all.filter((a) => a.targetKeyId === key.keyId);
    }
    return page(
      c,
      all,
      (a) => ({ AliasName: a.aliasName, AliasArn: `arn:aws:kms:${a.region}:${a.accountId}:${a.aliasName}`, TargetKeyId: a.targetKeyId, CreationDate: seconds(a.creationDate), LastUpdatedDate: seconds(a.creationDate) }),
      'Aliases',
    );
  },

  CreateAlias(c) {
    const name = str(c.input, 'AliasName', true, 256);
    if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(name) || name.startsWith('alias/aws/')) throw err('InvalidAliasNameException', `Alias ${name} must begin with alias/, hold only letters, digits, /_- and not begin with alias/aws/.`);
    const key = keyFor(c, 'CreateAlias', 'TargetKeyId');
    if (key.accountId !== c.caller.accountId) throw err('AccessDeniedException', 'An alias can only be created in your own account.');
    if (c.kms.aliases.some((a) => a.aliasName === name && a.accountId === key.accountId && a.region === key.region)) throw err('AlreadyExistsException', `An alias with the name arn:aws:kms:${key.region}:${key.accountId}:${name} already exists`);
    c.kms.aliases.push({ aliasName: name, accountId: key.accountId, region: key.region, targetKeyId: key.keyId, creationDate: c.now });
    return {};
  },

  ListResourceTags(c) {
    const key = keyFor(c, 'ListResourceTags');
    return { Tags: key.tags.map((t) => ({ ...t })), Truncated: false };
  },
};

function page<T>(c: Call, all: T[], map: (t: T) => Record<string, unknown>, member: string): Record<string, unknown> {
  const limit = c.input.Limit ?? 100;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000) throw err('ValidationException', 'Limit must be between 1 and 1000.');
  const marker = str(c.input, 'Marker');
  const start = marker === undefined ? 0 : Number.parseInt(marker, 10);
  if (!Number.isInteger(start) || start < 0 || start > all.length) throw err('InvalidMarkerException', 'The marker is not valid.');
  const slice = all.slice(start, start + limit);
  const more = start + limit < all.length;
  return { [member]: slice.map(map), Truncated: more, ...(more ? { NextMarker: String(start + limit) } : {}) };
}

/* ---------- wrapping keys ---------- */

type WrappingPair = { privateKey: crypto.KeyObject; publicKey: crypto.KeyObject };
const wrappingKeys = new WeakMap<CloudContext, Map<string, WrappingPair>>();

/**
 * The double generates one RSA wrapping key pair per key spec per run (in
 * memory) and hands it out with every new import token, where AWS makes a new
 * one each time: an RSA-4096 generation takes seconds on the target machines,
 * and which public key wraps the material does not change what a client must
 * do. Tokens stay distinct and bound to their key; the pair never leaves the double.
 */
function wrappingKey(ctx: CloudContext, spec: keyof typeof WRAPPING_KEY_SPECS): WrappingPair {
  const pair = wrappingKeys.get(ctx)?.get(spec);
  if (!pair) throw err('KMSInternalException', 'The wrapping key is not ready.');
  return pair;
}

async function prepareWrappingKey(ctx: CloudContext, spec: unknown): Promise<void> {
  if (typeof spec !== 'string' || !Object.hasOwn(WRAPPING_KEY_SPECS, spec)) return;
  let byCtx = wrappingKeys.get(ctx);
  if (!byCtx) wrappingKeys.set(ctx, (byCtx = new Map()));
  if (byCtx.has(spec)) return;
  const pair = await new Promise<WrappingPair>((resolve, reject) =>
    crypto.generateKeyPair('rsa', { modulusLength: WRAPPING_KEY_SPECS[spec as keyof typeof WRAPPING_KEY_SPECS] }, (e, publicKey, privateKey) => (e ? reject(e) : resolve({ publicKey, privateKey }))),
  );
  if (!byCtx.has(spec)) byCtx.set(spec, pair);
}

/* ---------- the endpoint ---------- */

function send(ctx: CloudContext, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
    // The SDK corrects its clock skew from this header: it must be the cloud's clock, not the machine's.
    date: ctx.now().toUTCString(),
    ...headers,
  });
  res.end(text);
}

function sendError(ctx: CloudContext, res: ServerResponse, e: KmsError): void {
  send(ctx, res, e.status, { __type: e.code, message: e.message }, { 'x-amzn-errortype': e.code });
}

/** Applies an injected fault (admin/faults.ts) to this KMS call: true when it answered (or dropped) the request itself. */
async function injectFault(faults: FaultTable | undefined, c: Call, name: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const fault = faults?.take('kms', 'POST', name);
  if (!fault) return false;
  if (fault.kind === 'latency') {
    await new Promise((r) => setTimeout(r, fault.latencyMs));
    return false;
  }
  if (fault.kind === 'reset') {
    try {
      (req.socket as Socket).resetAndDestroy();
    } catch {
      req.socket.destroy();
    }
    return true;
  }
  if (fault.kind === 'disable-key') {
    // Someone disabled the key in the console: the operation below meets it disabled, and so does every later one.
    try {
      const key = findKey(c, String(c.input.KeyId ?? ''));
      if (key.keyState === 'Enabled') key.keyState = 'Disabled';
      c.ctx.store.save();
    } catch {
      // No key named: the operation answers as it would.
    }
    return false;
  }
  if (fault.kind === 'kms-error') {
    sendError(c.ctx, res, new KmsError(fault.code!, `Injected fault: ${fault.code}.`, KMS_FAULT_CODES[fault.code!]));
    return true;
  }
  // status: 429 is KMS's throttling, 503 its dependency timeout.
  const code = fault.status === 429 ? 'ThrottlingException' : 'DependencyTimeoutException';
  sendError(c.ctx, res, new KmsError(code, fault.status === 429 ? 'Rate exceeded' : 'Service unavailable, try again.', fault.status === 429 ? 400 : 503));
  return true;
}

export async function handleKms(ctx: CloudContext, req: IncomingMessage, res: ServerResponse, faults?: FaultTable): Promise<void> {
  const body = await readBody(req);
  if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
    return sendError(ctx, res, err('UnknownOperationException', 'KMS accepts only POST / with X-Amz-Target: TrentService.{Operation}.'));
  }
  const kms = kmsState(ctx);
  const now = ctx.now();
  let caller: KmsPrincipal;
  let region: string;
  try {
    const verified = verifySigV4({ method: req.method, url: req.url ?? '/', headers: req.headers, body }, KMS_SERVICE, now, (id) => kms.principals.find((p) => p.accessKeyId === id));
    caller = kms.principals.find((p) => p.accessKeyId === verified.accessKeyId)!;
    region = verified.region;
  } catch (e) {
    if (e instanceof SignatureError) return sendError(ctx, res, new KmsError(e.code, e.message, e.code === 'MissingAuthenticationTokenException' ? 403 : 400));
    throw e;
  }
  const target = String(req.headers['x-amz-target'] ?? '');
  const name = target.startsWith('TrentService.') ? target.slice('TrentService.'.length) : '';
  const op = Object.hasOwn(operations, name) ? operations[name] : undefined;
  if (!op) return sendError(ctx, res, err('UnknownOperationException', `Unknown operation ${JSON.stringify(target)}.`));
  if (!/^application\/x-amz-json-1\.1\b/.test(String(req.headers['content-type'] ?? ''))) {
    return sendError(ctx, res, err('SerializationException', 'Content-Type must be application/x-amz-json-1.1.'));
  }
  let input: Input;
  try {
    const parsed: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    input = parsed as Input;
  } catch {
    return sendError(ctx, res, err('SerializationException', 'The request body is not a JSON object.'));
  }
  // Generated off the event loop before the (synchronous) operation runs; other requests keep being served meanwhile.
  if (await injectFault(faults, { ctx, kms, caller, region, now: now.getTime(), input }, name, req, res)) return;
  if (name === 'GetParametersForImport') await prepareWrappingKey(ctx, input.WrappingKeySpec);
  refresh(kms, now.getTime());
  try {
    const out = op({ ctx, kms, caller, region, now: now.getTime(), input });
    ctx.store.save();
    send(ctx, res, 200, out);
  } catch (e) {
    if (e instanceof KmsError) return sendError(ctx, res, e);
    throw e;
  }
}
