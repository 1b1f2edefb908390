/**
 * Which of the four key store actions fit the key store's state as the
 * Lifecycle screen last read it, the same rule for an Azure key version and
 * an AWS KMS key: an enabled key can be revoked or pulled; a revoked
 * (disabled) one unrevoked or pulled; a pulled one (soft-deleted, or its
 * deletion scheduled) only restored. An action that does not fit stays on
 * screen, disabled, with the reason; the Node side still checks the key
 * store itself before it acts.
 */

export type KeyStoreAction = 'revoke' | 'unrevoke' | 'pull' | 'restore';

export const KEY_STORE_ACTIONS: readonly KeyStoreAction[] = ['revoke', 'unrevoke', 'pull', 'restore'];

/** What the screen knows of the key store: its state and whether it is held deleted (pulled). */
export interface KeyStoreStateSeen {
  state: 'Available' | 'Unavailable' | 'Revoked';
  /** Present when the key was pulled: soft-deleted in the vault, or its deletion scheduled in AWS KMS. */
  pulled: boolean;
}

export type ActionFit = { offered: true } | { offered: false; why: string };

export function actionFits(action: KeyStoreAction, seen: KeyStoreStateSeen): ActionFit {
  // The state could not be read: nothing is ruled out on a guess.
  if (seen.state === 'Unavailable') return { offered: true };
  if (seen.pulled) return action === 'restore' ? { offered: true } : { offered: false, why: 'The key is pulled: restore it first.' };
  if (action === 'restore') return { offered: false, why: 'Nothing to restore: the key is not pulled.' };
  if (seen.state === 'Available') return action === 'unrevoke' ? { offered: false, why: 'The key is enabled: there is nothing to unrevoke.' } : { offered: true };
  // Revoked (disabled): enable it again, or pull it.
  return action === 'revoke' ? { offered: false, why: 'The key is already revoked.' } : { offered: true };
}
