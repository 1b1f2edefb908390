/**
 * How a source key's fingerprint is shown and compared. The fingerprint is
 * SHA-256 over the public key's SubjectPublicKeyInfo (DER); the Node side
 * computes it (electron/services/keys), this module only formats it, so the
 * renderer, the CLI and the restore sheet show it identically and people can
 * read it aloud group by group.
 */
import { KeyholderError } from '../errors/index';

/** 64 lowercase hex characters. */
export type FingerprintHex = string;

const HEX64 = /^[0-9a-f]{64}$/;

/** Accepts what people paste or type: any case, spaces, colons, dashes. */
export function normalizeFingerprint(input: string): FingerprintHex {
  const hex = input.replace(/^sha256:/i, '').replace(/[\s:-]/g, '').toLowerCase();
  if (!HEX64.test(hex)) {
    throw new KeyholderError('keys.bad_fingerprint', 'That is not a key fingerprint: expected 64 hexadecimal characters (SHA-256), as Key Holder shows them.');
  }
  return hex;
}

/** "3F2A 9C1B ..." in 16 groups of four, upper case, for reading aloud. */
export function groupFingerprint(hex: FingerprintHex): string {
  const h = normalizeFingerprint(hex).toUpperCase();
  return h.match(/.{4}/g)!.join(' ');
}

/**
 * The short check value: the first eight characters of the fingerprint as
 * "3F2A-9C1B". Enough for two people to notice a different key at a glance;
 * the full fingerprint stays the authority.
 */
export function checkValue(hex: FingerprintHex): string {
  const h = normalizeFingerprint(hex).toUpperCase();
  return `${h.slice(0, 4)}-${h.slice(4, 8)}`;
}

/** Fingerprint prefix safe to put in a file name (identifies, never reveals, the key). */
export function fingerprintFilePrefix(hex: FingerprintHex): string {
  return normalizeFingerprint(hex).slice(0, 16);
}
