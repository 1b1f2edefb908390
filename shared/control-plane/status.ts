/** Primary-key status from the health of the two key stores (seed 000, "Understanding encryption key status"). */
import type { KeyStoreHealth, PrimaryKeyStatus } from './api';

export function primaryKeyStatusFrom(holder1: KeyStoreHealth, holder2: KeyStoreHealth): PrimaryKeyStatus {
  // A key store that cannot be reached cannot be assessed: the guide's "Unavailable" wins over any revocation
  // finding, and the per-key-store detail still says which one was revoked.
  if (holder1 === 'unreachable' || holder2 === 'unreachable') return 'Unavailable';
  if (holder1 === 'revoked' && holder2 === 'revoked') return 'Both Key Stores Revoked';
  if (holder1 === 'revoked') return 'Key Store 1 Revoked';
  if (holder2 === 'revoked') return 'Key Store 2 Revoked';
  return 'Available';
}
