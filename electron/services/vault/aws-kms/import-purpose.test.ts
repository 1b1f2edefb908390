/**
 * The desk's one 'vault-import' purpose: the AWS import runs only when the
 * target the supervisor attested to is the holder's AWS draft's; any other
 * target goes to the Azure import (which refuses what is not its own draft).
 * And the opened material must be the AES key the copy names.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EscrowFile } from '../../../../shared/escrow/format';
import { generateSymmetricKey } from '../../keys/symmetric-key';
import { awsImportTarget, keyStoreImportPurpose, openedAesCopy } from './import-purpose';
import type { AwsImportDraft } from './key-store-service';

const draft: AwsImportDraft = { holder: 1, accountId: '111122223333', region: 'eu-west-2', vendorRoleArn: 'arn:aws:iam::777788889999:role/vendor', cacheMinutes: 5 };
const escrow = {} as EscrowFile;

describe('vault-import purpose for either cloud', () => {
  it('dispatches on the attested target', async () => {
    const seen: string[] = [];
    const purpose = keyStoreImportPurpose(
      async () => (seen.push('azure'), {}),
      async () => (seen.push('aws'), {}),
      () => draft,
    );
    await purpose(new Uint8Array(32), { kind: 'vault-import', target: awsImportTarget(draft), holder: 1 }, escrow);
    await purpose(new Uint8Array(32), { kind: 'vault-import', target: 'Key holder 1: import cmk into v.vault.azure.net', holder: 1 }, escrow);
    await purpose(new Uint8Array(32), { kind: 'vault-import', target: awsImportTarget({ ...draft, region: 'eu-west-1' }), holder: 1 }, escrow);
    expect(seen).toEqual(['aws', 'azure', 'azure']);
    const none = keyStoreImportPurpose(
      async () => (seen.push('azure'), {}),
      async () => (seen.push('aws'), {}),
      () => undefined,
    );
    await none(new Uint8Array(32), { kind: 'vault-import', target: awsImportTarget(draft), holder: 1 }, escrow);
    expect(seen.at(-1)).toBe('azure');
  });

  it('lends only the 32 bytes the copy names, as a secret key', async () => {
    const k = generateSymmetricKey();
    const raw = k.secretKey.export();
    const entry = { keyType: 'AES', keyId: k.keyId, fingerprint: k.identity.fingerprint };
    const copy = openedAesCopy(new Uint8Array(raw), entry);
    expect(await copy.withPrivateKey((key) => key.type)).toBe('secret');
    expect(() => openedAesCopy(new Uint8Array(crypto.randomBytes(32)), entry)).toThrow(expect.objectContaining({ code: 'activation.wrong_key' }));
    expect(() => openedAesCopy(new Uint8Array(raw), { ...entry, keyType: 'RSA' })).toThrow(expect.objectContaining({ code: 'escrow.wrong_key_type', message: expect.stringContaining('AWS KMS imports the 256-bit AES key') }));
    expect(() => openedAesCopy(new Uint8Array(16), entry)).toThrow(expect.objectContaining({ code: 'activation.wrong_key' }));
  });
});
