/**
 * The reference control plane's proof of sameness for an AWS KMS pair:
 * companion HMAC keys imported by the app's provider in two holders'
 * accounts, queried with the vendor role's credentials.
 */
import type https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { AwsKmsSamenessProbe } from '../../rehearsal/control-plane/aws-probe';
import { agentFor } from '../../rehearsal/testing/sdk';
import { generateSymmetricKey, type SymmetricKey } from '../../services/keys/symmetric-key';
import { AwsKmsProvider, type AwsImportOutcome } from '../../services/vault/aws-kms/provider';

let cloud: RehearsalCloud;
let agent: https.Agent;
let probe: AwsKmsSamenessProbe;
const REGION = 'eu-west-2';
type Principal = RehearsalCloud['descriptor']['kms']['principals'][number];
const principal = (label: string): Principal => cloud.descriptor.kms.principals.find((p) => p.label === label)!;
const creds = (p: Principal) => ({ accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}) });
const holder = (n: 1 | 2) => new AwsKmsProvider({ region: REGION, endpoint: cloud.descriptor.kms.endpoint, agent, credentials: creds(principal(`key holder ${n}`)) });

async function importFor(n: 1 | 2, key: SymmetricKey, grantVendor = true): Promise<AwsImportOutcome> {
  const p = holder(n);
  const out = await p.importKey({ secretKey: key.secretKey, keyId: key.keyId, fingerprint: key.identity.fingerprint, expiration: { model: 'KEY_MATERIAL_DOES_NOT_EXPIRE' } });
  if (grantVendor) {
    await p.applyPolicy(await p.proposePolicy(out.keyArn, principal('vendor role').arn));
    await p.applyPolicy(await p.proposePolicy(out.companionArn, principal('vendor role').arn, 'companion-hmac'));
  }
  return out;
}

beforeAll(async () => {
  cloud = await startRehearsalCloud({ port: 0 });
  agent = agentFor(cloud);
  probe = new AwsKmsSamenessProbe({ endpoint: cloud.descriptor.kms.endpoint, agent, credentials: creds(principal('vendor role')) });
}, 30_000);
afterAll(async () => {
  probe?.destroy();
  agent?.destroy();
  await cloud?.stop();
});

describe('AWS pair proof (companion HMAC keys)', () => {
  it('two accounts holding the same escrowed key: the vendor sees equal MACs; a different key: refused as different', async () => {
    const key = generateSymmetricKey();
    const a = await importFor(1, key);
    const b = await importFor(2, key);
    expect(await probe.provePair(a, b)).toMatchObject({ same: true });
    const c = await importFor(2, generateSymmetricKey());
    expect(await probe.provePair(a, c)).toMatchObject({ same: false, reason: 'macs_differ' });
    expect(await probe.provePair(a, a)).toMatchObject({ same: false, reason: 'not_companion' });
    // Naming the encryption key where the companion belongs is caught.
    expect(await probe.provePair(a, { keyArn: b.keyArn, companionArn: b.keyArn })).toMatchObject({ same: false });
    expect(await probe.status(a.keyArn)).toBe('Enabled');
    await holder(1).setEnabled(a.keyArn, false);
    expect(await probe.status(a.keyArn)).toBe('Disabled');
  });

  it('without the companion grant the vendor cannot prove anything (refused, never "same")', async () => {
    const key = generateSymmetricKey();
    const a = await importFor(1, key, false);
    const b = await importFor(2, key);
    expect(await probe.provePair(a, b)).toMatchObject({ same: false, reason: 'refused', detail: expect.stringMatching(/AccessDeniedException/) });
  });
});
