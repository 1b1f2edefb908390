/**
 * AWS KMS double contract: every operation driven through the official
 * @aws-sdk/client-kms (endpoint override, the rehearsal CA trusted through a
 * NodeHttpHandler agent), every request and response checked against AWS's
 * published KMS API model, and AWS's error codes for every refusal.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type https from 'node:https';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  GetKeyPolicyCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  VerifyMacCommand,
  type KMSClientConfig,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../index';
import { agentFor, request } from '../testing/sdk';
import { checkingHandler, createKmsValidator } from '../testing/kms-model';

let cloud: RehearsalCloud;
let agent: https.Agent;
let checked: ReturnType<typeof checkingHandler>;
const REGION = 'eu-west-2';

type Principal = RehearsalCloud['descriptor']['kms']['principals'][number];
const principal = (label: string): Principal => cloud.descriptor.kms.principals.find((p) => p.label === label)!;

function client(p: Principal, extra: Partial<KMSClientConfig> = {}): KMSClient {
  return new KMSClient({
    region: REGION,
    endpoint: cloud.descriptor.kms.endpoint,
    credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}) },
    requestHandler: checked.handler,
    maxAttempts: 1,
    ...extra,
  });
}
let holder1: KMSClient;
let holder2: KMSClient;
let vendor: KMSClient;

async function admin(path: string, body: unknown) {
  return request(agent, `${cloud.descriptor.adminUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function refused(p: Promise<unknown>, name: string, status: number, message?: RegExp) {
  const e = (await p.then(
    () => null,
    (x: unknown) => x,
  )) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | null;
  expect(e, `expected ${name}`).not.toBeNull();
  expect(e!.name).toBe(name);
  expect(e!.$metadata?.httpStatusCode).toBe(status);
  if (message) expect(e!.message).toMatch(message);
  return e!;
}

/** Wraps key material for KMS as AWS documents it, with node:crypto (the workstation's side). */
function wrap(publicKeyDer: Uint8Array, algorithm: string, material: Buffer): Buffer {
  const key = crypto.createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  const oaep = (data: Buffer) => crypto.publicEncrypt({ key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256' }, data);
  if (algorithm.startsWith('RSAES_OAEP')) return oaep(material);
  const aes = crypto.randomBytes(32);
  const kwp = crypto.createCipheriv('id-aes256-wrap-pad', aes, Buffer.from('A65959A6', 'hex'));
  return Buffer.concat([oaep(aes), kwp.update(material), kwp.final()]);
}

async function importInto(c: KMSClient, keyId: string, material: Buffer, algorithm: 'RSAES_OAEP_SHA_256' | 'RSA_AES_KEY_WRAP_SHA_256' = 'RSAES_OAEP_SHA_256', validTo?: Date) {
  const params = await c.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: algorithm, WrappingKeySpec: 'RSA_4096' }));
  await c.send(
    new ImportKeyMaterialCommand({
      KeyId: keyId,
      ImportToken: params.ImportToken,
      EncryptedKeyMaterial: wrap(params.PublicKey!, algorithm, material),
      ...(validTo ? { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: validTo } : { ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }),
    }),
  );
  return params;
}

function vendorPolicy(account: string, vendorRole: string, actions = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']) {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Holder administers', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
      { Sid: 'Vendor uses', Effect: 'Allow', Principal: { AWS: vendorRole }, Action: actions, Resource: '*' },
    ],
  });
}

beforeAll(async () => {
  cloud = await startRehearsalCloud({ adminEnabled: true, port: 0 });
  agent = agentFor(cloud);
  checked = checkingHandler(agent);
  holder1 = client(principal('key holder 1'));
  holder2 = client(principal('key holder 2'));
  vendor = client(principal('vendor role'));
}, 30_000);

afterAll(async () => {
  // Every body the SDK sent and the double answered conforms to the model, and the check really ran.
  expect(checked.problems).toEqual([]);
  expect(new Set(checked.seen).size).toBeGreaterThanOrEqual(18);
  checked.handler.destroy();
  agent?.destroy();
  await cloud?.stop();
});

describe('import (BYOK) of a symmetric key', () => {
  it('creates an EXTERNAL key waiting for material, imports it under RSA_4096 OAEP-SHA-256 and then encrypts and decrypts', async () => {
    const created = await holder1.send(new CreateKeyCommand({ Origin: 'EXTERNAL', KeySpec: 'SYMMETRIC_DEFAULT', Description: 'ceremony key', Tags: [{ TagKey: 'keyholder-fingerprint', TagValue: 'ab'.repeat(32) }] }));
    const meta = created.KeyMetadata!;
    expect(meta.KeyState).toBe('PendingImport');
    expect(meta.Origin).toBe('EXTERNAL');
    expect(meta.Arn).toBe(`arn:aws:kms:${REGION}:${principal('key holder 1').accountId}:key/${meta.KeyId}`);
    await refused(holder1.send(new EncryptCommand({ KeyId: meta.KeyId, Plaintext: Buffer.from('x') })), 'KMSInvalidStateException', 409);

    const material = crypto.randomBytes(32);
    const before = Date.now();
    const params = await importInto(holder1, meta.Arn!, material, 'RSAES_OAEP_SHA_256', new Date(Date.now() + 30 * 86400_000));
    const window = params.ParametersValidTo!.getTime() - before;
    expect(window).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(window).toBeLessThanOrEqual(24 * 3600_000 + 60_000);
    const publicKey = crypto.createPublicKey({ key: Buffer.from(params.PublicKey!), format: 'der', type: 'spki' });
    expect(publicKey.asymmetricKeyDetails?.modulusLength).toBe(4096);

    const described = (await holder1.send(new DescribeKeyCommand({ KeyId: meta.KeyId }))).KeyMetadata!;
    expect(described.KeyState).toBe('Enabled');
    expect(described.ExpirationModel).toBe('KEY_MATERIAL_EXPIRES');
    expect(described.ValidTo!.getTime()).toBeGreaterThan(Date.now() + 29 * 86400_000);

    const ctx = { purpose: 'self-test' };
    const enc = await holder1.send(new EncryptCommand({ KeyId: meta.KeyId, Plaintext: Buffer.from('hello'), EncryptionContext: ctx }));
    expect(enc.KeyId).toBe(meta.Arn);
    const dec = await holder1.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ctx }));
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('hello');
    await refused(holder1.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { purpose: 'other' } })), 'InvalidCiphertextException', 400);
    const tampered = Buffer.from(enc.CiphertextBlob!);
    tampered[tampered.length - 1]! ^= 1;
    await refused(holder1.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: ctx })), 'InvalidCiphertextException', 400);

    const tags = await holder1.send(new ListResourceTagsCommand({ KeyId: meta.KeyId }));
    expect(tags.Tags).toEqual([{ TagKey: 'keyholder-fingerprint', TagValue: 'ab'.repeat(32) }]);
  });

  it('re-import accepts only the same material (IncorrectKeyMaterialException otherwise), also after RSA_AES_KEY_WRAP_SHA_256', async () => {
    const { KeyMetadata } = await holder1.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }));
    const material = crypto.randomBytes(32);
    await importInto(holder1, KeyMetadata!.KeyId!, material, 'RSA_AES_KEY_WRAP_SHA_256');
    expect((await holder1.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }))).KeyMetadata!.ExpirationModel).toBe('KEY_MATERIAL_DOES_NOT_EXPIRE');
    await importInto(holder1, KeyMetadata!.KeyId!, material);
    await refused(importInto(holder1, KeyMetadata!.KeyId!, crypto.randomBytes(32)), 'IncorrectKeyMaterialException', 400, /not the material previously imported/);
    await refused(importInto(holder1, KeyMetadata!.KeyId!, crypto.randomBytes(16)), 'IncorrectKeyMaterialException', 400, /16 bytes/);
  });

  it('refuses bad import input with AWS codes: wrong wrapping, other key token, unknown token, AWS_KMS origin, bad ValidTo', async () => {
    const a = (await holder1.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!;
    const b = (await holder1.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!;
    const pa = await holder1.send(new GetParametersForImportCommand({ KeyId: a.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_4096' }));
    const material = crypto.randomBytes(32);
    // Wrapped with SHA-1 OAEP where SHA-256 was agreed: cannot be unwrapped.
    await refused(
      holder1.send(new ImportKeyMaterialCommand({ KeyId: a.KeyId, ImportToken: pa.ImportToken, EncryptedKeyMaterial: wrap(pa.PublicKey!, 'RSAES_OAEP_SHA_1', material) })),
      'InvalidCiphertextException',
      400,
    );
    await refused(
      holder1.send(new ImportKeyMaterialCommand({ KeyId: b.KeyId, ImportToken: pa.ImportToken, EncryptedKeyMaterial: wrap(pa.PublicKey!, 'RSAES_OAEP_SHA_256', material) })),
      'InvalidImportTokenException',
      400,
      /another KMS key/,
    );
    await refused(
      holder1.send(new ImportKeyMaterialCommand({ KeyId: a.KeyId, ImportToken: crypto.randomBytes(64), EncryptedKeyMaterial: wrap(pa.PublicKey!, 'RSAES_OAEP_SHA_256', material) })),
      'InvalidImportTokenException',
      400,
    );
    await refused(
      holder1.send(new ImportKeyMaterialCommand({ KeyId: a.KeyId, ImportToken: pa.ImportToken, EncryptedKeyMaterial: wrap(pa.PublicKey!, 'RSAES_OAEP_SHA_256', material), ExpirationModel: 'KEY_MATERIAL_EXPIRES' })),
      'ValidationException',
      400,
      /ValidTo is required/,
    );
    await refused(
      holder1.send(
        new ImportKeyMaterialCommand({ KeyId: a.KeyId, ImportToken: pa.ImportToken, EncryptedKeyMaterial: wrap(pa.PublicKey!, 'RSAES_OAEP_SHA_256', material), ValidTo: new Date(Date.now() + 400 * 86400_000) }),
      ),
      'ValidationException',
      400,
      /365 days/,
    );
    const native = (await holder1.send(new CreateKeyCommand({}))).KeyMetadata!;
    expect(native.KeyState).toBe('Enabled');
    await refused(holder1.send(new GetParametersForImportCommand({ KeyId: native.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_4096' })), 'UnsupportedOperationException', 400);
    await refused(holder1.send(new GetParametersForImportCommand({ KeyId: a.KeyId, WrappingAlgorithm: 'RSAES_PKCS1_V1_5' as never, WrappingKeySpec: 'RSA_4096' })), 'ValidationException', 400);
    await refused(holder1.send(new DescribeKeyCommand({ KeyId: crypto.randomUUID() })), 'NotFoundException', 404);
    await refused(holder1.send(new DescribeKeyCommand({ KeyId: 'not-a-key' })), 'NotFoundException', 404, /Invalid keyId/);
  });

  it('import parameters expire after 24 hours (ExpiredImportTokenException), and expired material sends the key back to PendingImport', async () => {
    const { KeyMetadata } = await holder1.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }));
    const keyId = KeyMetadata!.KeyId!;
    const material = crypto.randomBytes(32);
    const params = await holder1.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_4096' }));
    await admin('/clock', { advanceMs: 25 * 3600_000 });
    try {
      // The SDK corrects its clock from the Date header after one refusal; give it a client that already knows the offset.
      const later = client(principal('key holder 1'), { systemClockOffset: 25 * 3600_000 });
      await refused(
        later.send(new ImportKeyMaterialCommand({ KeyId: keyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrap(params.PublicKey!, 'RSAES_OAEP_SHA_256', material) })),
        'ExpiredImportTokenException',
        400,
        /24 hours/,
      );
      await importInto(later, keyId, material, 'RSAES_OAEP_SHA_256', new Date(Date.now() + 26 * 3600_000));
      expect((await later.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState).toBe('Enabled');
      await admin('/clock', { advanceMs: 2 * 3600_000 });
      const evenLater = client(principal('key holder 1'), { systemClockOffset: 27 * 3600_000 });
      const meta = (await evenLater.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!;
      expect(meta.KeyState).toBe('PendingImport');
      expect(meta.ValidTo).toBeUndefined();
      await refused(evenLater.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })), 'KMSInvalidStateException', 409);
      // Only the same material may come back.
      await refused(importInto(evenLater, keyId, crypto.randomBytes(32)), 'IncorrectKeyMaterialException', 400);
      await importInto(evenLater, keyId, material);
      expect((await evenLater.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState).toBe('Enabled');
    } finally {
      await admin('/clock', { offsetMs: 0 });
    }
  });
});

describe('HMAC keys', () => {
  it('imports HMAC_256 material; GenerateMac equals HMAC-SHA-256 computed here; VerifyMac refuses a wrong MAC', async () => {
    const { KeyMetadata } = await holder1.send(new CreateKeyCommand({ Origin: 'EXTERNAL', KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    expect(KeyMetadata!.MacAlgorithms).toEqual(['HMAC_SHA_256']);
    const material = crypto.randomBytes(32);
    await importInto(holder1, KeyMetadata!.KeyId!, material, 'RSA_AES_KEY_WRAP_SHA_256');
    const message = crypto.randomBytes(48);
    const mac = await holder1.send(new GenerateMacCommand({ KeyId: KeyMetadata!.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
    expect(Buffer.from(mac.Mac!).equals(crypto.createHmac('sha256', material).update(message).digest())).toBe(true);
    const ok = await holder1.send(new VerifyMacCommand({ KeyId: KeyMetadata!.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256', Mac: mac.Mac }));
    expect(ok.MacValid).toBe(true);
    const bad = Buffer.from(mac.Mac!);
    bad[0]! ^= 1;
    await refused(holder1.send(new VerifyMacCommand({ KeyId: KeyMetadata!.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256', Mac: bad })), 'KMSInvalidMacException', 400);
    await refused(holder1.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from('x') })), 'InvalidKeyUsageException', 400);
    const sym = (await holder1.send(new CreateKeyCommand({}))).KeyMetadata!;
    await refused(holder1.send(new GenerateMacCommand({ KeyId: sym.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' })), 'InvalidKeyUsageException', 400);
    await refused(holder1.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'ENCRYPT_DECRYPT' })), 'ValidationException', 400);
  });
});

describe('authorisation from the key policy', () => {
  it('the vendor role gets exactly what the policy names, by key ARN from its own account', async () => {
    const holder = principal('key holder 1');
    const vendorRole = principal('vendor role').arn;
    const key = (await holder1.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!;
    await importInto(holder1, key.Arn!, crypto.randomBytes(32));
    await refused(vendor.send(new DescribeKeyCommand({ KeyId: key.Arn })), 'AccessDeniedException', 400, /not authorized to perform: kms:DescribeKey/);
    await holder1.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: vendorPolicy(holder.accountId, vendorRole) }));
    expect(JSON.parse((await holder1.send(new GetKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default' }))).Policy!)).toEqual(JSON.parse(vendorPolicy(holder.accountId, vendorRole)));

    expect((await vendor.send(new DescribeKeyCommand({ KeyId: key.Arn }))).KeyMetadata!.KeyState).toBe('Enabled');
    const dk = await vendor.send(new GenerateDataKeyCommand({ KeyId: key.Arn, KeySpec: 'AES_256', EncryptionContext: { tenant: 't1' } }));
    expect(dk.Plaintext).toHaveLength(32);
    const back = await vendor.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, KeyId: key.Arn, EncryptionContext: { tenant: 't1' } }));
    expect(Buffer.from(back.Plaintext!).equals(Buffer.from(dk.Plaintext!))).toBe(true);
    await vendor.send(new EncryptCommand({ KeyId: key.Arn, Plaintext: Buffer.from('x') }));
    // Anything else is refused.
    for (const cmd of [new DisableKeyCommand({ KeyId: key.Arn }), new ScheduleKeyDeletionCommand({ KeyId: key.Arn }), new GetKeyPolicyCommand({ KeyId: key.Arn }), new PutKeyPolicyCommand({ KeyId: key.Arn, Policy: vendorPolicy(holder.accountId, vendorRole, ['kms:*']) }), new GetParametersForImportCommand({ KeyId: key.Arn, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_4096' })]) {
      await refused(vendor.send(cmd as never), 'AccessDeniedException', 400);
    }
    // A bare key ID means a key in the caller's own account: the vendor must use the ARN.
    await refused(vendor.send(new DescribeKeyCommand({ KeyId: key.KeyId })), 'NotFoundException', 404);
    // The other holder's account has no say over this key.
    await refused(holder2.send(new DescribeKeyCommand({ KeyId: key.Arn })), 'AccessDeniedException', 400);
    // A ciphertext names its key: asking Decrypt to use another key is IncorrectKeyException.
    const other = (await holder1.send(new CreateKeyCommand({}))).KeyMetadata!;
    await refused(holder1.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, KeyId: other.KeyId, EncryptionContext: { tenant: 't1' } })), 'IncorrectKeyException', 400);
  });

  it('an explicit Deny wins, the lockout safety check refuses a policy that would lock the holder out, and conditions are refused', async () => {
    const holder = principal('key holder 1');
    const vendorRole = principal('vendor role').arn;
    const key = (await holder1.send(new CreateKeyCommand({}))).KeyMetadata!;
    const deny = JSON.parse(vendorPolicy(holder.accountId, vendorRole)) as { Statement: unknown[] };
    deny.Statement.push({ Effect: 'Deny', Principal: { AWS: vendorRole }, Action: 'kms:Decrypt', Resource: '*' });
    await holder1.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, Policy: JSON.stringify(deny) }));
    const enc = await vendor.send(new EncryptCommand({ KeyId: key.Arn, Plaintext: Buffer.from('x') }));
    await refused(vendor.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })), 'AccessDeniedException', 400);

    const lockout = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: vendorRole }, Action: 'kms:*', Resource: '*' }] });
    await refused(holder1.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, Policy: lockout })), 'MalformedPolicyDocumentException', 400, /lockout/);
    await refused(holder1.send(new CreateKeyCommand({ Policy: lockout })), 'MalformedPolicyDocumentException', 400);
    const conditional = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': holder.accountId } } }] });
    await refused(holder1.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, Policy: conditional })), 'MalformedPolicyDocumentException', 400, /Condition/);
    await refused(holder1.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, Policy: '{not json' })), 'MalformedPolicyDocumentException', 400);
  });
});

describe('lifecycle', () => {
  it('disable/enable, schedule deletion (7 to 30 days, 30 by default) and cancel it (the key comes back disabled)', async () => {
    const key = (await holder1.send(new CreateKeyCommand({}))).KeyMetadata!;
    await holder1.send(new DisableKeyCommand({ KeyId: key.KeyId }));
    await refused(holder1.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') })), 'DisabledException', 409);
    await holder1.send(new EnableKeyCommand({ KeyId: key.KeyId }));
    await holder1.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') }));
    await refused(holder1.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 3 })), 'ValidationException', 400);
    const scheduled = await holder1.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId }));
    expect(scheduled.PendingWindowInDays).toBe(30);
    expect(scheduled.KeyState).toBe('PendingDeletion');
    expect(scheduled.DeletionDate!.getTime()).toBeGreaterThan(Date.now() + 29 * 86400_000);
    await refused(holder1.send(new EnableKeyCommand({ KeyId: key.KeyId })), 'KMSInvalidStateException', 409);
    await refused(holder1.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') })), 'KMSInvalidStateException', 409);
    await holder1.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId }));
    expect((await holder1.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.KeyState).toBe('Disabled');
    await refused(holder1.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId })), 'KMSInvalidStateException', 409);
  });

  it('lists keys by page and finds a key by alias', async () => {
    const key = (await holder2.send(new CreateKeyCommand({}))).KeyMetadata!;
    await holder2.send(new CreateKeyCommand({}));
    await holder2.send(new CreateAliasCommand({ AliasName: 'alias/ceremony', TargetKeyId: key.KeyId }));
    await refused(holder2.send(new CreateAliasCommand({ AliasName: 'alias/ceremony', TargetKeyId: key.KeyId })), 'AlreadyExistsException', 409);
    await refused(holder2.send(new CreateAliasCommand({ AliasName: 'alias/aws/x', TargetKeyId: key.KeyId })), 'InvalidAliasNameException', 400);
    expect((await holder2.send(new DescribeKeyCommand({ KeyId: 'alias/ceremony' }))).KeyMetadata!.KeyId).toBe(key.KeyId);
    const first = await holder2.send(new ListKeysCommand({ Limit: 1 }));
    expect(first.Truncated).toBe(true);
    const second = await holder2.send(new ListKeysCommand({ Limit: 1, Marker: first.NextMarker }));
    expect(second.Keys![0]!.KeyId).not.toBe(first.Keys![0]!.KeyId);
    const aliases = await holder2.send(new ListAliasesCommand({ KeyId: key.KeyId }));
    expect(aliases.Aliases!.map((a) => a.AliasName)).toEqual(['alias/ceremony']);
    // Holder 2's keys are not listed for holder 1.
    const h1 = await holder1.send(new ListKeysCommand({ Limit: 1000 }));
    expect(h1.Keys!.some((k) => k.KeyId === key.KeyId)).toBe(false);
  });
});

describe('SigV4', () => {
  it('refuses a wrong secret, an unknown access key, a missing session token and a stale date with AWS codes', async () => {
    const h = principal('key holder 1');
    await refused(client({ ...h, secretAccessKey: `${h.secretAccessKey}x` }).send(new ListKeysCommand({})), 'InvalidSignatureException', 400, /signature we calculated does not match/);
    await refused(client({ ...h, accessKeyId: 'AKIAIOSFODNN7EXAMPLE' }).send(new ListKeysCommand({})), 'UnrecognizedClientException', 400);
    const v = principal('vendor role');
    await refused(client({ ...v, sessionToken: undefined }).send(new ListKeysCommand({})), 'UnrecognizedClientException', 400);
    await refused(client(h, { systemClockOffset: -10 * 60_000 }).send(new ListKeysCommand({})), 'InvalidSignatureException', 400, /Signature expired/);
    await refused(client(h, { systemClockOffset: 10 * 60_000 }).send(new ListKeysCommand({})), 'InvalidSignatureException', 400, /not yet current/);
    // Four minutes off is within AWS's five.
    await client(h, { systemClockOffset: -4 * 60_000 }).send(new ListKeysCommand({}));
  });

  it('refuses a signed request whose body or target was changed after signing, and an unsigned one', async () => {
    const captured: { headers: Record<string, string>; body: string }[] = [];
    const c = client(principal('key holder 1'));
    c.middlewareStack.add(
      (next) => async (args) => {
        const r = args.request as { headers: Record<string, string>; body: string };
        captured.push({ headers: { ...r.headers }, body: r.body });
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    await c.send(new ListKeysCommand({ Limit: 5 }));
    const { headers, body } = captured[0]!;
    const send = (h: Record<string, string>, b: string) => request(agent, `${cloud.descriptor.kms.endpoint}/`, { method: 'POST', headers: { ...h, 'content-length': String(Buffer.byteLength(b)) }, body: b });
    expect((await send(headers, body)).status).toBe(200);
    const changedBody = await send(headers, body.replace('5', '6'));
    expect(changedBody.status).toBe(400);
    expect((changedBody.json() as { __type: string }).__type).toBe('InvalidSignatureException');
    const changedTarget = await send({ ...headers, 'x-amz-target': 'TrentService.ListAliases' }, body);
    expect((changedTarget.json() as { __type: string }).__type).toBe('InvalidSignatureException');
    const unsigned = await send({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' }, '{}');
    expect(unsigned.status).toBe(403);
    expect((unsigned.json() as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
  });

  it('answers an unknown path or operation with UnknownOperationException', async () => {
    const r = await request(agent, `${cloud.descriptor.kms.endpoint}/nothing`, { method: 'GET' });
    expect(r.status).toBe(400);
    expect((r.json() as { __type: string }).__type).toBe('UnknownOperationException');
  });
});

describe('the model check', () => {
  it('fails on a member the model does not name, a missing required member and a wrong type', () => {
    const v = createKmsValidator();
    expect(v.output('DescribeKey', { KeyMetadata: { KeyId: 'k', Bogus: 1 } })).toEqual(['DescribeKey output.KeyMetadata.Bogus: member not in the model']);
    expect(v.output('DescribeKey', { KeyMetadata: { Arn: 'a' } })).toEqual(['DescribeKey output.KeyMetadata.KeyId: required member missing']);
    expect(v.output('GetParametersForImport', { ParametersValidTo: '2026-01-01' })).toEqual(['GetParametersForImport output.ParametersValidTo: not epoch seconds']);
    expect(v.output('ImportKeyMaterial', { KeyMaterialId: 'x' })).toHaveLength(1);
  });
});

describe('state', () => {
  it('keeps keys across a restart, their material sealed at rest', async () => {
    const key = (await holder1.send(new CreateKeyCommand({ Description: 'survives' }))).KeyMetadata!;
    // Material is sealed at rest with the rehearsal storage key, never in the clear in the state file.
    const onDisk = JSON.parse(fs.readFileSync(cloud.descriptor.stateFile, 'utf8')) as { kms: { keys: { keyId: string; material?: string }[] } };
    expect(onDisk.kms.keys.find((k) => k.keyId === key.KeyId)!.material).toMatch(/^A256GCM\./);
    const dataDir = cloud.descriptor.stateFile.replace(/\/[^/]+$/, '');
    const port = cloud.port;
    await cloud.stop();
    cloud = await startRehearsalCloud({ adminEnabled: true, port, dataDir });
    const again = client(principal('key holder 1'));
    expect((await again.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.Description).toBe('survives');
  });
});
