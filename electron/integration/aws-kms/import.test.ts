/**
 * The AWS KMS provider against the rehearsal cloud's KMS double: the import
 * round trip (escrowed 256-bit key -> KMS key + companion HMAC key, self-test,
 * key policy shown, diffed and applied), the vendor role's exact rights,
 * resuming after a crash at each step, expired import parameters, bad input
 * at every step with a message a holder can act on, and the lifecycle calls.
 * Lives in electron/ because it joins the services and the rehearsal cloud.
 */
import crypto from 'node:crypto';
import type https from 'node:https';
import { CreateKeyCommand, DecryptCommand, DescribeKeyCommand, DisableKeyCommand, EncryptCommand, GenerateDataKeyCommand, GenerateMacCommand, GetKeyPolicyCommand, ImportKeyMaterialCommand, KMSClient, ListKeysCommand, PutKeyPolicyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { agentFor, request } from '../../rehearsal/testing/sdk';
import { generateSymmetricKey, type SymmetricKey } from '../../services/keys/symmetric-key';
import { AwsKmsProvider, type AwsImportSpec } from '../../services/vault/aws-kms/provider';

let cloud: RehearsalCloud;
let agent: https.Agent;
const REGION = 'eu-west-2';

type Principal = RehearsalCloud['descriptor']['kms']['principals'][number];
const principal = (label: string): Principal => cloud.descriptor.kms.principals.find((p) => p.label === label)!;
const creds = (p: Principal) => ({ accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}) });

function provider(label = 'key holder 1', region = REGION, override: Partial<ReturnType<typeof creds>> = {}): AwsKmsProvider {
  return new AwsKmsProvider({ region, endpoint: cloud.descriptor.kms.endpoint, agent, credentials: { ...creds(principal(label)), ...override }, maxAttempts: 3 });
}
function sdk(label: string): KMSClient {
  return new KMSClient({ region: REGION, endpoint: cloud.descriptor.kms.endpoint, credentials: creds(principal(label)), requestHandler: new NodeHttpHandler({ httpsAgent: agent }), maxAttempts: 1 });
}
function spec(key: SymmetricKey, extra: Partial<AwsImportSpec> = {}): AwsImportSpec {
  return { secretKey: key.secretKey, keyId: key.keyId, fingerprint: key.identity.fingerprint, expiration: { model: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }, ...extra };
}
async function clock(body: unknown) {
  await request(agent, `${cloud.descriptor.adminUrl}/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
async function keyCount(c: KMSClient): Promise<number> {
  return (await c.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length;
}
async function refusedWith(p: Promise<unknown>, code: string): Promise<{ code: string; message: string }> {
  const e = (await p.then(
    () => null,
    (x: unknown) => x,
  )) as { code: string; message: string } | null;
  expect(e, `expected ${code}`).not.toBeNull();
  expect(e!.code).toBe(code);
  // A holder can act on it: a full sentence, no SDK internals.
  expect(e!.message.length).toBeGreaterThan(40);
  expect(e!.message).not.toMatch(/\$metadata|RequestId|stack/i);
  return e!;
}
async function sdkRefusal(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'accepted',
    (e: { name?: string }) => e.name ?? 'unknown',
  );
}

beforeAll(async () => {
  cloud = await startRehearsalCloud({ adminEnabled: true, port: 0 });
  agent = agentFor(cloud);
}, 30_000);
afterAll(async () => {
  agent?.destroy();
  await cloud?.stop();
});

describe('import round trip', () => {
  it('imports the escrowed key and its companion, self-tests, and the vendor role can then use exactly what the policy grants', async () => {
    const key = generateSymmetricKey();
    const p = provider();
    const out = await p.importKey(spec(key, { expiration: { model: 'KEY_MATERIAL_EXPIRES', validTo: new Date(Date.now() + 90 * 86400_000) } }));
    expect(out).toMatchObject({ region: REGION, accountId: principal('key holder 1').accountId, reused: false, materialProof: 'imported', parametersRefreshed: false });
    expect(out.selfTest).toEqual({ encryptDecrypt: true, dataKey: true, macMatchesLocal: true, localMacVerified: true });
    expect(new Date(out.validTo!).getTime()).toBeGreaterThan(Date.now() + 89 * 86400_000);

    const vendor = sdk('vendor role');
    const vendorRole = principal('vendor role').arn;
    expect(await sdkRefusal(vendor.send(new DescribeKeyCommand({ KeyId: out.keyArn })))).toBe('AccessDeniedException');

    // Shown before applied: the plan names the vendor's four actions and widens nothing.
    const proposal = await p.proposePolicy(out.keyArn, vendorRole);
    expect(proposal.plan.added).toEqual([{ principal: vendorRole, actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'] }]);
    expect(proposal.plan.widened).toEqual([]);
    await p.applyPolicy(proposal);
    await p.applyPolicy(await p.proposePolicy(out.companionArn, vendorRole, 'companion-hmac'));

    const dk = await vendor.send(new GenerateDataKeyCommand({ KeyId: out.keyArn, KeySpec: 'AES_256' }));
    const back = await vendor.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, KeyId: out.keyArn }));
    expect(Buffer.from(back.Plaintext!).equals(Buffer.from(dk.Plaintext!))).toBe(true);
    await vendor.send(new EncryptCommand({ KeyId: out.keyArn, Plaintext: Buffer.from('x') }));
    expect((await vendor.send(new DescribeKeyCommand({ KeyId: out.keyArn }))).KeyMetadata!.KeyState).toBe('Enabled');
    // Refused anything else.
    expect(await sdkRefusal(vendor.send(new DisableKeyCommand({ KeyId: out.keyArn })))).toBe('AccessDeniedException');
    expect(await sdkRefusal(vendor.send(new ScheduleKeyDeletionCommand({ KeyId: out.keyArn })))).toBe('AccessDeniedException');
    expect(await sdkRefusal(vendor.send(new GetKeyPolicyCommand({ KeyId: out.keyArn })))).toBe('AccessDeniedException');
    expect(await sdkRefusal(vendor.send(new PutKeyPolicyCommand({ KeyId: out.keyArn, Policy: proposal.proposedPolicy })))).toBe('AccessDeniedException');
    expect(await sdkRefusal(vendor.send(new ImportKeyMaterialCommand({ KeyId: out.keyArn, ImportToken: Buffer.alloc(8), EncryptedKeyMaterial: Buffer.alloc(8) })))).toBe('AccessDeniedException');
    // On the companion it may only compute MACs.
    const mac = await vendor.send(new GenerateMacCommand({ KeyId: out.companionArn, Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_256' }));
    expect(mac.Mac).toHaveLength(32);
    expect(await sdkRefusal(vendor.send(new DisableKeyCommand({ KeyId: out.companionArn })))).toBe('AccessDeniedException');

    // Applying the same again changes nothing; a second run of the import finds the same keys.
    expect((await p.proposePolicy(out.keyArn, vendorRole)).plan.unchanged).toBe(true);
    const again = await p.importKey(spec(key));
    expect(again).toMatchObject({ keyArn: out.keyArn, companionArn: out.companionArn, reused: true, materialProof: 'reimport-accepted' });
    p.destroy();
  });

  it('two holders importing the same escrowed key into two accounts get companion keys whose MACs agree', async () => {
    const key = generateSymmetricKey();
    const a = await provider('key holder 1').importKey(spec(key));
    const b = await provider('key holder 2').importKey(spec(key));
    expect(a.accountId).not.toBe(b.accountId);
    const message = crypto.randomBytes(32);
    const macA = await sdk('key holder 1').send(new GenerateMacCommand({ KeyId: a.companionArn, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
    const macB = await sdk('key holder 2').send(new GenerateMacCommand({ KeyId: b.companionArn, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
    expect(Buffer.from(macA.Mac!).equals(Buffer.from(macB.Mac!))).toBe(true);
    const other = await provider('key holder 2').importKey(spec(generateSymmetricKey()));
    const macC = await sdk('key holder 2').send(new GenerateMacCommand({ KeyId: other.companionArn, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
    expect(Buffer.from(macA.Mac!).equals(Buffer.from(macC.Mac!))).toBe(false);
  });
});

describe('the wrapping algorithm', () => {
  it('wraps with RSA_AES_KEY_WRAP_SHA_256 when asked (OAEP over a fresh AES key, then RFC 5649 key wrap), and KMS then holds the escrowed material', async () => {
    const key = generateSymmetricKey();
    const out = await provider().importKey(spec(key, { wrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256' }));
    expect(out).toMatchObject({ reused: false, materialProof: 'imported' });
    expect(out.selfTest).toEqual({ encryptDecrypt: true, dataKey: true, macMatchesLocal: true, localMacVerified: true });
    // The same material again under the default OAEP wrap is accepted as identical: the AES key wrap delivered the escrowed bytes.
    expect(await provider().importKey(spec(key))).toMatchObject({ keyArn: out.keyArn, materialProof: 'reimport-accepted' });
    // Other material under the AES key wrap is refused by KMS: the wrap is not a pass-through that any bytes survive.
    await refusedWith(provider().importKey(spec(generateSymmetricKey(), { keyArn: out.keyArn, wrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256' })), 'aws.other_material');
  });
});

describe('resuming', () => {
  for (const [step, role] of [
    ['created', 'primary'],
    ['parameters', 'primary'],
    ['imported', 'primary'],
    ['created', 'companion-hmac'],
    ['parameters', 'companion-hmac'],
    ['imported', 'companion-hmac'],
  ] as const) {
    it(`a crash after "${step}" of the ${role} key: the next run creates no second key and ends with the same proof`, async () => {
      const key = generateSymmetricKey();
      const h1 = sdk('key holder 1');
      const before = await keyCount(h1);
      const crash = new Error('simulated crash');
      await expect(
        provider().importKey(spec(key), {
          onStep: (s, r) => {
            if (s === step && r === role) throw crash;
          },
        }),
      ).rejects.toBe(crash);
      const out = await provider().importKey(spec(key));
      expect(out.reused).toBe(true);
      expect(out.materialProof).toBe(step === 'imported' || role === 'companion-hmac' ? 'reimport-accepted' : 'imported');
      expect(await keyCount(h1)).toBe(before + 2);
    });
  }

  it('import parameters that expired (24 hours) before use are fetched again once, and the outcome says so', async () => {
    const key = generateSymmetricKey();
    let paused = false;
    try {
      const out = await provider().importKey(spec(key), {
        onStep: async (s, r) => {
          if (s === 'parameters' && r === 'primary' && !paused) {
            paused = true;
            await clock({ advanceMs: 25 * 3600_000 });
          }
        },
      });
      expect(paused).toBe(true);
      expect(out.parametersRefreshed).toBe(true);
      expect(out.materialProof).toBe('imported');
    } finally {
      await clock({ offsetMs: 0 });
    }
  });
});

describe('bad input at every step', () => {
  it('the key handed in: an RSA key, or a copy that does not match the fingerprint', async () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = generateSymmetricKey();
    await refusedWith(provider().importKey({ ...spec(key), secretKey: privateKey }), 'aws.wrong_key_type');
    await refusedWith(provider().importKey({ ...spec(key), fingerprint: 'ab'.repeat(32) }), 'aws.wrong_copy');
    await refusedWith(provider().importKey(spec(key, { expiration: { model: 'KEY_MATERIAL_EXPIRES', validTo: new Date(Number.NaN) } })), 'aws.bad_valid_to');
  });

  it('an expiry date AWS refuses (past, or more than 365 days ahead): said as such, not "retry"; the import then completes with a valid date on the same key', async () => {
    const key = generateSymmetricKey();
    const h1 = sdk('key holder 1');
    const before = await keyCount(h1);
    const far = await refusedWith(provider().importKey(spec(key, { expiration: { model: 'KEY_MATERIAL_EXPIRES', validTo: new Date(Date.now() + 400 * 86400_000) } })), 'aws.bad_valid_to');
    expect(far.message).toMatch(/at most 365 days ahead.*"does not expire"/);
    await refusedWith(provider().importKey(spec(key, { expiration: { model: 'KEY_MATERIAL_EXPIRES', validTo: new Date(Date.now() - 86400_000) } })), 'aws.bad_valid_to');
    const out = await provider().importKey(spec(key, { expiration: { model: 'KEY_MATERIAL_EXPIRES', validTo: new Date(Date.now() + 30 * 86400_000) } }));
    expect(out).toMatchObject({ reused: true, materialProof: 'imported' });
    expect(await keyCount(h1)).toBe(before + 2);
  });

  it('a named key: not an ARN, another Region, KMS-generated material, an HMAC key, another account, other material', async () => {
    const key = generateSymmetricKey();
    const h1 = sdk('key holder 1');
    await refusedWith(provider().importKey(spec(key, { keyArn: 'my-key' })), 'aws.bad_key_arn');
    const native = (await h1.send(new CreateKeyCommand({}))).KeyMetadata!;
    await refusedWith(provider().importKey(spec(key, { keyArn: native.Arn! })), 'aws.not_external');
    await refusedWith(provider('key holder 1', 'eu-central-1').importKey(spec(key, { keyArn: native.Arn! })), 'aws.wrong_region');
    const hmac = (await h1.send(new CreateKeyCommand({ Origin: 'EXTERNAL', KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!;
    await refusedWith(provider().importKey(spec(key, { keyArn: hmac.Arn! })), 'aws.wrong_key_spec');
    const pending = (await h1.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!;
    await refusedWith(provider('key holder 2').importKey(spec(key, { keyArn: pending.Arn! })), 'aws.access_denied');
    // The holder names a key that an earlier, different key was imported into.
    await provider().importKey(spec(generateSymmetricKey(), { keyArn: pending.Arn! }));
    const e = await refusedWith(provider().importKey(spec(key, { keyArn: pending.Arn! })), 'aws.other_material');
    expect(e.message).toMatch(/use a new key/);
  });

  it('credentials and endpoint: a wrong secret, an unknown access key, an unreachable endpoint', async () => {
    const key = generateSymmetricKey();
    await refusedWith(provider('key holder 1', REGION, { secretAccessKey: 'wrong-secret-wrong-secret-wrong-secret00' }).importKey(spec(key)), 'aws.bad_credentials');
    await refusedWith(provider('key holder 1', REGION, { accessKeyId: 'AKIAIOSFODNN7EXAMPLE' }).importKey(spec(key)), 'aws.bad_credentials');
    const closed = new AwsKmsProvider({ region: REGION, endpoint: 'https://127.0.0.1:9', agent, credentials: creds(principal('key holder 1')), maxAttempts: 1 });
    await refusedWith(closed.importKey(spec(key)), 'aws.unreachable');
  });

  it('the policy: changed in AWS after it was shown, or widening an existing grant without confirmation', async () => {
    const key = generateSymmetricKey();
    const p = provider();
    const out = await p.importKey(spec(key));
    const vendorRole = principal('vendor role').arn;
    const shown = await p.proposePolicy(out.keyArn, vendorRole);
    const account = principal('key holder 1').accountId;
    const narrow = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
        { Effect: 'Allow', Principal: { AWS: vendorRole }, Action: 'kms:Decrypt', Resource: '*' },
      ],
    });
    await sdk('key holder 1').send(new PutKeyPolicyCommand({ KeyId: out.keyArn, Policy: narrow }));
    await refusedWith(p.applyPolicy(shown), 'aws.policy_changed');
    const fresh = await p.proposePolicy(out.keyArn, vendorRole);
    expect(fresh.plan.widened).toEqual([vendorRole]);
    expect(fresh.lines[0]).toMatch(/^WIDENS/);
    await refusedWith(p.applyPolicy(fresh), 'aws.policy_widens');
    await p.applyPolicy(fresh, { widening: true });
    expect((await p.proposePolicy(out.keyArn, vendorRole)).plan.unchanged).toBe(true);
  });
});

describe('lifecycle calls', () => {
  it('revoke and unrevoke, pull with the 30-day window and restore (back disabled), health at each step', async () => {
    const p = provider();
    const out = await p.importKey(spec(generateSymmetricKey()));
    expect(await p.health(out.keyArn)).toEqual({ state: 'available', keyArn: out.keyArn });
    expect(await p.setEnabled(out.keyArn, false)).toMatchObject({ state: 'revoked', reason: 'disabled' });
    expect(await p.setEnabled(out.keyArn, true)).toMatchObject({ state: 'available' });
    const pulled = await p.scheduleDeletion(out.keyArn);
    expect(new Date(pulled.deletionDate).getTime()).toBeGreaterThan(Date.now() + 29.9 * 86400_000);
    expect(await p.health(out.keyArn)).toMatchObject({ state: 'revoked', reason: 'pending-deletion' });
    await refusedWith(p.setEnabled(out.keyArn, true), 'aws.key_state');
    expect(await p.cancelDeletion(out.keyArn)).toMatchObject({ state: 'revoked', reason: 'disabled' });
    expect(await p.health(`arn:aws:kms:${REGION}:${principal('key holder 1').accountId}:key/${crypto.randomUUID()}`)).toMatchObject({ state: 'revoked', reason: 'not-found' });
    // A tagged key pending deletion is not silently reused by a new run of the import.
    const key = generateSymmetricKey();
    const second = await p.importKey(spec(key));
    await p.scheduleDeletion(second.keyArn);
    await refusedWith(p.importKey(spec(key)), 'aws.key_pending_deletion');
  });
});
