/**
 * Key backup blobs, as Azure's: opaque, authenticated, and restorable only
 * into a vault of the same tenant (Azure: the same subscription and
 * geography). The blob is AES-256-GCM under a key derived (HKDF-SHA256) from
 * the double's own secret (its token-signing key) and the vault's tenant, so
 * another tenant's vault cannot open it and any change to it is detected.
 * It carries every version of the key, private halves included (encrypted).
 */
import crypto from 'node:crypto';
import type { KeyState } from '../state';

const MAGIC = Buffer.from('KHKVB1', 'ascii');
const IV_BYTES = 12;
const TAG_BYTES = 16;

function backupKey(doubleSecret: string, tenantId: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', Buffer.from(doubleSecret, 'utf8'), Buffer.from('keyholder rehearsal key vault backup v1'), Buffer.from(`tenant:${tenantId}`), 32));
}

export function sealBackup(doubleSecret: string, tenantId: string, key: KeyState): Buffer {
  const k = backupKey(doubleSecret, tenantId);
  try {
    const iv = crypto.randomBytes(IV_BYTES);
    const c = crypto.createCipheriv('aes-256-gcm', k, iv);
    c.setAAD(MAGIC);
    const body = Buffer.from(JSON.stringify({ tenantId, key: { name: key.name, versions: key.versions, ...(key.rotationPolicy ? { rotationPolicy: key.rotationPolicy } : {}) } }), 'utf8');
    const out = Buffer.concat([MAGIC, iv, c.update(body), c.final(), c.getAuthTag()]);
    body.fill(0);
    return out;
  } finally {
    k.fill(0);
  }
}

/** The key in the blob, or null when the blob is damaged or belongs to another tenant's vaults. */
export function openBackup(doubleSecret: string, tenantId: string, blob: Buffer): KeyState | null {
  if (blob.length < MAGIC.length + IV_BYTES + TAG_BYTES + 2 || !blob.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const k = backupKey(doubleSecret, tenantId);
  try {
    const iv = blob.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
    const d = crypto.createDecipheriv('aes-256-gcm', k, iv);
    d.setAAD(MAGIC);
    d.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
    const body = Buffer.concat([d.update(blob.subarray(MAGIC.length + IV_BYTES, blob.length - TAG_BYTES)), d.final()]);
    const doc = JSON.parse(body.toString('utf8')) as { tenantId?: unknown; key?: KeyState };
    body.fill(0);
    if (doc.tenantId !== tenantId || !doc.key || typeof doc.key.name !== 'string' || !Array.isArray(doc.key.versions) || doc.key.versions.length === 0) return null;
    return doc.key;
  } catch {
    return null;
  } finally {
    k.fill(0);
  }
}
