/**
 * Proven key rotation on AWS KMS (seed 002: the vendor shows "success" even
 * when nothing changed). After `keyholder rehearse --provider aws-kms`, key
 * holder 1's workstation is reopened and rotates through the app's own key
 * rotation service: a new AES key added to the escrow and the holder copy,
 * imported (opened as a supervised activation opens it) into a NEW KMS key,
 * self-tested there and given the approved policy, before the vendor is told;
 * the previous key stays enabled, and telling the vendor is refused while it
 * is not.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import { createHash, randomBytes } from 'node:crypto';
import { DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { agentFor } from '../../rehearsal/testing/sdk';
import { runRehearsal, type RehearsalResult } from '../../ceremony-script/rehearsal-script';
import { createServices, type Services } from '../../services/index';
import { rehearsalServiceDeps, type RehearsalDeps } from '../../services/cloud/rehearsal-deps';
import { memorySecretBox } from '../../services/platform/memory-secret-box';
import { systemClock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import { holderCopySource } from '../../services/activation/escrow-sources';
import { holderCopyFromBytes } from '../../services/escrow/holder-copy';
import { openedAesCopy } from '../../services/vault/aws-kms/import-purpose';
import { parseEscrow, serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';

let cloud: RehearsalCloud;
let agent: https.Agent;
let tmp: string;
let result: RehearsalResult;
let deps: RehearsalDeps;
let ws: Services;
const boxKey = randomBytes(32);

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
function kms(): KMSClient {
  const p = cloud.descriptor.kms.principals.find((x) => x.label === 'key holder 1')!;
  return new KMSClient({ region: cloud.descriptor.kms.defaultRegion, endpoint: cloud.descriptor.kms.endpoint, credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey }, requestHandler: new NodeHttpHandler({ httpsAgent: agent }) });
}
const state = async (arn: string) => (await kms().send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata!.KeyState;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-rotation-'));
  cloud = await startRehearsalCloud({ dataDir: path.join(tmp, 'cloud'), port: 0 });
  agent = agentFor(cloud);
  result = await runRehearsal({ outDir: path.join(tmp, 'out'), fastKdf: true, provider: 'aws-kms', cloud, pdf: null, secretBox: () => memorySecretBox({ key: boxKey }) });
  deps = rehearsalServiceDeps(cloud.describe(), cloud.caCertPem, { holder: 1 });
  ws = createServices({
    dataDir: path.join(result.outDir, 'workstations', 'holder1'),
    secretBox: memorySecretBox({ key: boxKey }),
    clock: systemClock,
    log: silentLogger,
    environment: deps.environment,
    appVersion: 'test',
    emit: () => {},
    escrowKdf: TEST_KDF,
    azure: deps.azure,
    ...(deps.aws ? { aws: deps.aws } : {}),
    controlPlaneAgent: deps.controlPlaneAgent,
  });
}, 180_000);
afterAll(async () => {
  ws?.controlPlane.stop();
  deps?.close();
  agent?.destroy();
  await cloud?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('key rotation on AWS KMS', () => {
  it('imports the new key into a new KMS key, proven live before the vendor is told, with the previous key kept enabled', async () => {
    const inputs = JSON.parse(fs.readFileSync(path.join(result.outDir, 'inputs', 'participants.json'), 'utf8'));
    const oldArn = result.aws!.keyArns.holder1;
    const copy = (result.artifacts.holderCopies as string[])[0]!;
    const escrowFile = result.artifacts.escrowFile as string;
    const kr = ws.lifecycle.keyRotation;
    expect(ws.lifecycle.keyStore.held()).toEqual({ holder: 1, keyVersionId: oldArn });

    await kr.start();
    const { target } = await kr.prepareAddKey({ escrowFile, holderCopies: [copy] });
    const passphrases = new Map<string, Uint8Array>([
      ['custodian-1', bytes(inputs.custodians[0].passphrase)],
      ['custodian-2', bytes(inputs.custodians[1].passphrase)],
      ['copy-1', bytes(inputs.holderCopyPassphrases.holder1.passphrase)],
    ]);
    const escrowSha256 = createHash('sha256').update(fs.readFileSync(escrowFile)).digest('hex');
    let v = await kr.addKeyAttested({ passphrases, escrowSha256 }, target);
    expect(v.step).toBe('import');
    const file = parseEscrow(new Uint8Array(fs.readFileSync(copy)));
    const fresh = file.header.keys.at(-1)!;
    expect(fresh).toMatchObject({ keyType: 'AES', keyId: v.newKey!.keyId });

    const imp = kr.prepareImport({ holderCopyPath: copy });
    expect(imp.target).toMatch(/import new key .* into a new KMS key in arn:aws:kms:/);
    // The old key opened from the same copy is not the rotation's new key: refused before AWS is touched.
    const oldEntry = file.header.keys[0]!;
    const oldMaterial = await holderCopySource(holderCopyFromBytes(serializeEscrow(file), copy), undefined, oldEntry.keyId).open(bytes(inputs.holderCopyPassphrases.holder1.passphrase));
    await expect(kr.importOpened(openedAesCopy(oldMaterial, oldEntry), imp.target)).rejects.toMatchObject({ code: 'lifecycle.wrong_key_imported' });

    const material = await holderCopySource(holderCopyFromBytes(serializeEscrow(file), copy), undefined, fresh.keyId).open(bytes(inputs.holderCopyPassphrases.holder1.passphrase));
    v = await kr.importOpened(openedAesCopy(material, fresh), imp.target);
    const newArn = v.importedKeyVersionId!;
    expect(newArn).toMatch(/^arn:aws:kms:/);
    expect(newArn).not.toBe(oldArn);
    // Live and proven: enabled, self-tested at import, the approved policy applied; the previous key untouched.
    const record = ws.awsKeyStore.record()!;
    expect(record.outcome).toMatchObject({ keyArn: newArn, materialProof: 'imported', selfTest: { encryptDecrypt: true, dataKey: true, macMatchesLocal: true, localMacVerified: true } });
    expect(record.previousKeyArns).toEqual([oldArn]);
    expect(record.policy!.lines.join('\n')).toMatch(/kms:GenerateDataKey/);
    expect(await state(newArn)).toBe('Enabled');
    expect(await state(oldArn)).toBe('Enabled');
    expect(ws.lifecycle.keyStore.held().keyVersionId).toBe(newArn);

    // The vendor is told only while the previous key is enabled (it re-encrypts its data key with it).
    await kms().send(new DisableKeyCommand({ KeyId: oldArn }));
    await expect(kr.submit()).rejects.toMatchObject({ code: 'lifecycle.previous_key_unavailable', message: expect.stringMatching(/enable it before telling the vendor/) });
    await kms().send(new EnableKeyCommand({ KeyId: oldArn }));
    v = await kr.submit();
    expect(v.step).toBe('wait-available');
    expect(ws.controlPlane.receipts().at(-1)).toMatchObject({ kind: 'key-store-submission', holder: 1 });
  });
});
