/**
 * Where an activation's key material comes from. The escrow and holder-copy
 * formats live elsewhere (electron/services/escrow); they plug in here by
 * implementing one of these. Every buffer a source returns is handed over:
 * the activation session zeroes it when it is done, so a source must not
 * keep a reference it expects to read later.
 */
import type { Custodian } from '../../../shared/ceremony/activation';

/** Split knowledge: the keeper brings a sealed copy; a different person (the knower) types its passphrase. */
export interface SealedCopyComponentSource {
  kind: 'passphrase-for-sealed-copy';
  /** Non-secret identifier of the sealed copy (file fingerprint), shown to the keeper and recorded. */
  copyFingerprint: string;
  /** Opens the copy; throws a KeyholderError (e.g. wrong passphrase) without returning anything. */
  open(passphrase: Uint8Array): Promise<Uint8Array>;
}

/** Quorum: M of N custodians each open their own share; the combination is then authenticated. */
export interface QuorumShareComponentSource {
  kind: 'quorum-share';
  threshold: number;
  custodians: Custodian[];
  openShare(custodianId: string, passphrase: Uint8Array): Promise<Uint8Array>;
  /**
   * Combines shares and checks the result cryptographically (Shamir combine
   * with too few or wrong shares returns a wrong secret without error, so
   * the count alone proves nothing). Throws when it does not authenticate.
   */
  combine(shares: { custodian: string; share: Uint8Array }[]): Promise<Uint8Array>;
}

/**
 * The key rotation's escrow re-seal: every custodian and the knower of every
 * key-holder copy prove their passphrase against their own wrap of the
 * current key. Nothing is combined, so the current key is never decrypted;
 * the session keeps the proven passphrases (zeroed with everything else) and
 * hands them to the purpose, which seals the new key to them.
 */
export interface RewrapComponentSource {
  kind: 'rewrap';
  custodians: Custodian[];
  /** The key-holder copies (IDs `copy-N`) that get the new key too. */
  copies: Custodian[];
  /** Unwraps this custodian's (or copy's) slot of the current key; throws on a wrong passphrase. The piece is only for its check value. */
  check(id: string, passphrase: Uint8Array): Promise<Uint8Array>;
}

export type ComponentSource = SealedCopyComponentSource | QuorumShareComponentSource | RewrapComponentSource;
