/**
 * Component sources backed by the escrow format (electron/services/escrow):
 * a key-holder copy opened with its passphrase (split knowledge), and an
 * escrow's M-of-N custodian shares combined and authenticated (quorum). The
 * escrow code does the cryptography; this only adapts it to the session.
 */
import { KeyholderError } from '../../../shared/errors/index';
import { serializeEscrow, type EscrowFile } from '../../../shared/escrow/format';
import { finishOpen, findEntry, openSlot, type OpenedSlot } from '../escrow/seal';
import { openHolderCopyKey, proveHolderCopyPassphrase, type HolderCopy } from '../escrow/holder-copy';
import { attemptKey, processPassphraseThrottle, type PassphraseThrottle } from '../escrow/throttle';
import type { QuorumShareComponentSource, RewrapComponentSource, SealedCopyComponentSource } from './component-source';

// The escrow API takes passphrases as strings; this is the one place the bytes become one.
const text = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
const view = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

/**
 * A key-holder copy, checked by `readHolderCopy` (escrow/holder-copy.ts), opened with the knower's passphrase.
 * Returns the key as PKCS#8 DER (RSA) or its 32 raw bytes (AES). Every attempt goes through the throttle, keyed by
 * the file's content: a new session on the same copy, or another name for it, does not start a fresh count.
 */
export function holderCopySource(copy: HolderCopy, throttle: PassphraseThrottle = processPassphraseThrottle, keyId?: string): SealedCopyComponentSource {
  return {
    kind: 'passphrase-for-sealed-copy',
    copyFingerprint: copy.copyFingerprint,
    async open(passphrase) {
      const { pkcs8 } = await openHolderCopyKey(copy, text(passphrase), { throttle, ...(keyId ? { keyId } : {}) });
      return view(pkcs8);
    },
  };
}

export const custodianId = (index: number) => `custodian-${index}`;
const indexOf = (id: string) => {
  const m = /^custodian-(\d+)$/.exec(id);
  if (!m) throw new KeyholderError('activation.unknown_custodian', 'That custodian is not in this escrow.');
  return Number(m[1]);
};

/** An escrow's quorum. Shares may also arrive from another workstation (sealed to this session). */
export function escrowQuorumSource(file: EscrowFile, keyId?: string, throttle: PassphraseThrottle = processPassphraseThrottle): QuorumShareComponentSource {
  const { entry } = findEntry(file, keyId);
  const bytes = serializeEscrow(file);
  if (entry.policy.threshold < 2) throw new KeyholderError('activation.not_a_quorum', 'This escrow opens with one custodian; use a split-knowledge activation instead.');
  return {
    kind: 'quorum-share',
    threshold: entry.policy.threshold,
    custodians: entry.custodians.map((c) => ({ id: custodianId(c.index), name: c.name })),
    async openShare(id, passphrase) {
      const index = indexOf(id);
      const slot = await throttle.run(attemptKey(bytes, `custodian-${index}`), () => openSlot(file, entry.keyId, index, text(passphrase)));
      return view(slot.piece);
    },
    async combine(shares) {
      const slots: OpenedSlot[] = shares.map(({ custodian, share }) => {
        const c = entry.custodians.find((x) => x.index === indexOf(custodian));
        if (!c) throw new KeyholderError('activation.unknown_custodian', 'That custodian is not in this escrow.');
        return { index: c.index, name: c.name, piece: Buffer.from(share.buffer, share.byteOffset, share.length) };
      });
      const { pkcs8 } = await finishOpen(file, entry.keyId, slots);
      return view(pkcs8);
    },
  };
}

const copyId = (index: number) => `copy-${index}`;

/**
 * The key rotation's re-seal: every custodian of the escrow's current key and
 * each key-holder copy (`copies`, in order: `copy-1`, `copy-2`). A passphrase
 * is proven by unwrapping its own slot (the wrap's AES-GCM tag), never by
 * decrypting the key; every try goes through the same throttle as the desk.
 */
export function escrowRewrapSource(file: EscrowFile, copies: HolderCopy[], throttle: PassphraseThrottle = processPassphraseThrottle): RewrapComponentSource {
  const { entry } = findEntry(file);
  const bytes = serializeEscrow(file);
  return {
    kind: 'rewrap',
    custodians: entry.custodians.map((c) => ({ id: custodianId(c.index), name: c.name })),
    copies: copies.map((c, i) => ({ id: copyId(i + 1), name: c.holder })),
    async check(id, passphrase) {
      const copy = /^copy-(\d+)$/.exec(id);
      if (copy) {
        const c = copies[Number(copy[1]) - 1];
        if (!c) throw new KeyholderError('activation.unknown_copy', 'That key-holder copy is not part of this re-seal.');
        const slot = await proveHolderCopyPassphrase(c, text(passphrase), { throttle });
        return view(slot.piece);
      }
      const index = indexOf(id);
      const slot = await throttle.run(attemptKey(bytes, `custodian-${index}`), () => openSlot(file, entry.keyId, index, text(passphrase)));
      return view(slot.piece);
    },
  };
}
