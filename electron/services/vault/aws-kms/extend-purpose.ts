/**
 * A new expiry for the imported key material (seed 002's ValidTo) as the
 * purpose of a supervised activation: the same escrowed key, opened by the
 * activation (keeper's copy, knower's passphrase, supervisor's attestation),
 * is imported again into the same KMS key and its companion with the new
 * expiry, which KMS then reports (DescribeKey). Its own activation kind
 * ('key-material-extend'): an action after the ceremony, like a key rotation,
 * not a step of the ceremony's table.
 */
import type { PurposeHandler } from '../../activation/desk';
import { findEntry } from '../../escrow/seal';
import type { AwsKeyStoreService } from './key-store-service';
import { openedAesCopy } from './import-purpose';

export function awsExtendPurpose(service: Pick<AwsKeyStoreService, 'extendOpened'>, changed: () => void = () => {}): PurposeHandler {
  return async (material, purpose, escrow) => {
    const { entry } = findEntry(escrow);
    const out = await service.extendOpened(openedAesCopy(material, entry), purpose.target);
    changed();
    return { holder: purpose.holder ?? null, keyVersionId: out.keyArn, validTo: out.validTo, previousValidTo: out.previousValidTo, selfTest: Object.values(out.selfTest).every(Boolean) };
  };
}

