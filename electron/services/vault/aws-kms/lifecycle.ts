/**
 * The key's life after the ceremony on AWS KMS, in the lifecycle service's
 * words (KeyStoreLifecycleProvider): the "key version" is the KMS key (its
 * ARN), revoke/unrevoke are DisableKey/EnableKey, pull is ScheduleKeyDeletion
 * with the longest window (30 days, never shorter) and restore is
 * CancelKeyDeletion. KMS has no key versions to list and no backup of a key:
 * the key is its one version, and the escrow is its only copy. The quorum
 * guard rails, typed confirmations and the cache-time lag are the lifecycle
 * service's, the same as on Azure.
 */
import { KeyholderError } from '../../../../shared/errors/index';
import { parseKeyArn } from '../../../../shared/worksheet/aws';
import type { DeletedKeyInfo, KeyStoreLifecycleProvider, KeyStoreTarget, KeyVersionHealth, KeyVersionInfo, VaultProtection } from '../provider';
import { DELETION_WINDOW_DAYS, type AwsKmsProvider } from './provider';

/** The key ARN a lifecycle target names: location arn:aws:kms:{region}:{account} and key name = the key ID. */
function keyArnOf(target: KeyStoreTarget): string {
  return `${target.location}:key/${target.keyName}`;
}

export class AwsKmsLifecycle implements KeyStoreLifecycleProvider {
  constructor(private readonly provider: (region: string) => AwsKmsProvider) {}

  private p(keyArn: string): AwsKmsProvider {
    return this.provider(parseKeyArn(keyArn).region);
  }

  private info(keyArn: string, enabled: boolean): KeyVersionInfo {
    return { keyVersionId: keyArn, version: parseKeyArn(keyArn).keyId, enabled };
  }

  async keyVersionHealth(keyArn: string): Promise<KeyVersionHealth> {
    const h = await this.p(keyArn).health(keyArn);
    if (h.state === 'available') return { state: 'available', version: this.info(keyArn, true) };
    if (h.state === 'unavailable') return { state: 'unavailable', code: h.code, message: h.message };
    if (h.reason === 'pending-deletion') return { state: 'revoked', reason: 'deleted', version: this.info(keyArn, false), deleted: this.deleted(keyArn, h.deletionDate) };
    if (h.reason === 'not-found') return { state: 'revoked', reason: 'not-found' };
    if (h.reason === 'material-expired') return { state: 'revoked', reason: 'material-expired', version: this.info(keyArn, false) };
    return { state: 'revoked', reason: 'disabled', version: this.info(keyArn, false) };
  }

  private deleted(keyArn: string, deletionDate?: string): DeletedKeyInfo {
    return { keyName: parseKeyArn(keyArn).keyId, ...(deletionDate ? { scheduledPurgeDate: deletionDate } : {}), recoveryId: keyArn, recoveryLevel: `ScheduledDeletion (${DELETION_WINDOW_DAYS} days)` };
  }

  async listVersions(target: KeyStoreTarget): Promise<KeyVersionInfo[]> {
    const arn = keyArnOf(target);
    const h = await this.keyVersionHealth(arn);
    if (h.state === 'unavailable') throw new KeyholderError(h.code, h.message);
    return h.state === 'available' ? [h.version] : h.version ? [h.version] : [];
  }

  async setVersionEnabled(keyArn: string, enabled: boolean): Promise<KeyVersionInfo> {
    const after = await this.p(keyArn).setEnabled(keyArn, enabled);
    if (after.state === 'unavailable') throw new KeyholderError(after.code, after.message);
    return this.info(keyArn, after.state === 'available');
  }

  /** Pull: deletion scheduled with the longest window AWS allows; the material is never deleted at once. */
  async deleteKey(target: KeyStoreTarget): Promise<DeletedKeyInfo> {
    const arn = keyArnOf(target);
    const r = await this.p(arn).scheduleDeletion(arn);
    return { ...this.deleted(arn, r.deletionDate), deletedOn: new Date().toISOString() };
  }

  async getDeletedKey(target: KeyStoreTarget): Promise<DeletedKeyInfo | null> {
    const arn = keyArnOf(target);
    const h = await this.p(arn).health(arn);
    return h.state === 'revoked' && h.reason === 'pending-deletion' ? this.deleted(arn, h.deletionDate) : null;
  }

  /** Restore: the deletion cancelled; AWS brings the key back disabled, so unrevoking stays a separate, confirmed step. */
  async recoverDeletedKey(target: KeyStoreTarget): Promise<void> {
    const arn = keyArnOf(target);
    await this.p(arn).cancelDeletion(arn);
  }

  /** What KMS promises about a pulled key: always a waiting period, here the longest (30 days), and no purge before it ends. */
  async vaultProtection(location: string): Promise<VaultProtection> {
    return { softDelete: true, purgeProtection: true, retentionDays: DELETION_WINDOW_DAYS, resourceId: location };
  }
}
