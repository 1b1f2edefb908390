/**
 * The AWS KMS key as the lifecycle service sees a key store: its key ARN
 * stands where Azure has a key version identifier; revoke and unrevoke are
 * DisableKey and EnableKey; pull and restore are ScheduleKeyDeletion with the
 * longest window (30 days) and CancelKeyDeletion. A KMS key has no versions
 * (imported material is the key's own), so the key is its only "version".
 */
import type { DeletedKeyInfo, KeyStoreLifecycleProvider, KeyVersionHealth, KeyVersionInfo } from '../provider';
import { DELETION_WINDOW_DAYS, type AwsKeyHealth, type AwsKmsProvider } from './provider';

const keyIdOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

function info(h: AwsKeyHealth): KeyVersionInfo {
  return { keyVersionId: h.keyArn, version: keyIdOf(h.keyArn), enabled: h.state === 'available' };
}

function deleted(arn: string, deletionDate?: string): DeletedKeyInfo {
  return { keyName: keyIdOf(arn), ...(deletionDate ? { scheduledPurgeDate: deletionDate } : {}), recoveryId: arn, recoveryLevel: `Recoverable for ${DELETION_WINDOW_DAYS} days (CancelKeyDeletion)` };
}

export function awsLifecycleProvider(provider: () => AwsKmsProvider): KeyStoreLifecycleProvider {
  return {
    async keyVersionHealth(arn): Promise<KeyVersionHealth> {
      const h = await provider().health(arn);
      if (h.state === 'available') return { state: 'available', version: info(h) };
      if (h.state === 'unavailable') return { state: 'unavailable', code: h.code, message: h.message };
      if (h.reason === 'pending-deletion') return { state: 'revoked', reason: 'deleted', version: info(h), deleted: deleted(arn, h.deletionDate) };
      if (h.reason === 'not-found') return { state: 'revoked', reason: 'not-found' };
      // Disabled, or its imported material expired: either way KMS refuses to use it until the holder acts.
      return { state: 'revoked', reason: 'disabled', version: info(h) };
    },
    async listVersions(target) {
      return [info(await provider().health(target.location))];
    },
    async setVersionEnabled(arn, enabled) {
      return info(await provider().setEnabled(arn, enabled));
    },
    async deleteKey(target) {
      const r = await provider().scheduleDeletion(target.location);
      return deleted(target.location, r.deletionDate);
    },
    async getDeletedKey(target) {
      const h = await provider().health(target.location);
      return h.state === 'revoked' && h.reason === 'pending-deletion' ? deleted(target.location, h.deletionDate) : null;
    },
    async recoverDeletedKey(target) {
      await provider().cancelDeletion(target.location);
    },
    // KMS always holds a key scheduled for deletion for the window Key Holder asks (the longest): nothing is gone at once.
    async vaultProtection(location) {
      return { softDelete: true, purgeProtection: true, retentionDays: DELETION_WINDOW_DAYS, resourceId: location };
    },
  };
}
