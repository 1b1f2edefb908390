/**
 * Which escrow files a workstation may use, by the mode it runs in.
 *
 * A rehearsal escrow is marked in the authenticated part of its header
 * (`"environment":"rehearsal"` in each key entry, inside the content AAD:
 * see docs/formats/escrow-v1.md), so removing the mark makes the file fail
 * to open as *altered*. Live mode refuses a marked file, a file whose purpose
 * carries the CLI's `REHEARSAL ONLY` prefix (files written before the mark
 * existed), and any custodian slot whose KDF costs an attacker less than the
 * production cost: a test-KDF file (scrypt N=2^10) is about 250 times cheaper
 * to attack and must never protect a real key.
 *
 * Pure: the live-mode wiring (settings, policy) calls `escrowRefusal` or
 * `assertEscrowUsable` with the mode it resolved; the escrow, activation,
 * import and rotation services call it wherever an escrow is opened for use.
 */
import { KeyholderError } from '../errors/index';
import type { EscrowHeader, KeyEntry } from './format';
import { PRODUCTION_KDF, type ScryptCost } from './kdf-profiles';

export type WorkstationMode = 'rehearsal' | 'live';

/** The mark a rehearsal workstation writes into every key entry it seals. */
const REHEARSAL_ENVIRONMENT = 'rehearsal';

/** The purpose prefix `keyholder escrow create --rehearsal` has always written. */
export const REHEARSAL_PURPOSE_PREFIX = 'REHEARSAL ONLY, never a real key: ';

/** Attacker work per guess in the bandwidth model (docs/formats/escrow-v1.md): N·r·p. */
export function scryptWork(c: ScryptCost): number {
  return 2 ** c.log2N * c.r * c.p;
}

/** The production escrow cost; live mode refuses any escrow slot below it. */
export const PRODUCTION_ESCROW_WORK = scryptWork(PRODUCTION_KDF.escrow);

/**
 * The most work an escrow slot may ask for when opened: 8x production. scrypt's
 * memory is capped separately; p multiplies the time at constant memory, so
 * without this a hostile file (N=2^20, r=8, p=64) holds the machine for minutes.
 */
export const MAX_ESCROW_WORK = 8 * PRODUCTION_ESCROW_WORK;

export interface EscrowRefusal {
  code: 'escrow.rehearsal_file' | 'escrow.kdf_below_production';
  message: string;
  keyId: string;
}

function isRehearsalEntry(e: KeyEntry): boolean {
  return e.environment === REHEARSAL_ENVIRONMENT || e.purpose.startsWith('REHEARSAL ONLY');
}

/** Why this escrow must not be used in this mode, or null when it may. Every key entry is checked. */
export function escrowRefusal(header: Pick<EscrowHeader, 'keys'>, mode: WorkstationMode): EscrowRefusal | null {
  if (mode !== 'live') return null;
  for (const e of header.keys) {
    if (isRehearsalEntry(e)) {
      return {
        code: 'escrow.rehearsal_file',
        keyId: e.keyId,
        message:
          'This escrow file was made in a rehearsal, and Key Holder is connected to your organisation\u2019s tenant. A rehearsal key must never become a real key. Use the escrow or key-holder copy made in the live ceremony.',
      };
    }
    const weak = e.custodians.find((c) => scryptWork(c.kdf) < PRODUCTION_ESCROW_WORK);
    if (weak) {
      return {
        code: 'escrow.kdf_below_production',
        keyId: e.keyId,
        message: `${weak.name}'s passphrase in this escrow file is protected by a test-only setting (scrypt N=2^${weak.kdf.log2N}, r=${weak.kdf.r}, p=${weak.kdf.p}), far cheaper to attack than a live ceremony allows. Use a file made in the live ceremony.`,
      };
    }
  }
  return null;
}

/** Throws the refusal as a KeyholderError (nothing is opened, no passphrase is asked for). */
export function assertEscrowUsable(header: Pick<EscrowHeader, 'keys'>, mode: WorkstationMode | undefined): void {
  if (!mode) return;
  const r = escrowRefusal(header, mode);
  if (r) throw new KeyholderError(r.code, r.message, { keyId: r.keyId });
}
