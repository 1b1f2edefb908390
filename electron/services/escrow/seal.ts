/**
 * Sealing and opening escrow entries (format: shared/escrow/format.ts).
 *
 * The private key (PKCS#8 DER; for an AES-256 entry the 32 raw key bytes) is encrypted with AES-256-GCM under a random
 * 256-bit content key, authenticated with the entry's whole header. The
 * content key is wrapped to each custodian under a scrypt KEK of their
 * passphrase; with a threshold M >= 2 it is first split with Shamir's scheme
 * and each custodian's wrap holds one share. Shamir's combine returns a wrong
 * secret for too few shares without complaint, so the quorum is proven only
 * by the content ciphertext authenticating under the combined key.
 */
import crypto, { type KeyObject } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import { KeyholderError } from '../../../shared/errors/index';
import { contentAad, wrapAad, type CustodianSlot, type EscrowBody, type EscrowFile, type KeyEntry } from '../../../shared/escrow/format';
import { fromBase64 } from '../../../shared/escrow/bytes';
import { PRODUCTION_KDF, type KdfProfile } from '../../../shared/escrow/kdf-profiles';
import { identityOf, spkiDer } from '../keys/source-key';
import { SYMMETRIC_KEY_BYTES, symmetricFingerprint } from '../keys/symmetric-key';
import { scryptKey } from './kdf';

const TAG = 16;

function gcmSeal(key: Uint8Array, nonce: Uint8Array, plain: Uint8Array, aad: Uint8Array): Buffer {
  const c = crypto.createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad);
  const out = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  return out;
}

/** null when the tag does not verify (wrong key or altered input). */
function gcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer | null {
  if (sealed.length < TAG) return null;
  try {
    const d = crypto.createDecipheriv('aes-256-gcm', key, nonce);
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
  } catch {
    return null;
  }
}

const b64 = (s: string): Buffer => Buffer.from(fromBase64(s)!);
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface SealMeta {
  keyId: string;
  purpose: string;
  created: Date;
  /** 'rehearsal' marks the entry in its authenticated header (shared/escrow/mode-policy.ts); absent for live keys. */
  environment?: 'rehearsal';
}

/**
 * Seals one key to its custodians, one passphrase at a time (the UI hands the
 * keyboard from custodian to custodian; no passphrase is kept after its wrap).
 */
export class EntrySealer {
  private contentKey: Buffer;
  private pieces: Buffer[];
  private slots: (CustodianSlot | null)[];
  private wraps: (string | null)[];
  private readonly partial: DistributiveOmit<KeyEntry, 'custodians'>;
  private readonly der: Buffer;

  static async start(privateKey: KeyObject, meta: SealMeta, custodianNames: string[], threshold: number, profile: KdfProfile = PRODUCTION_KDF): Promise<EntrySealer> {
    const n = custodianNames.length;
    if (n < 1 || n > 16) throw new KeyholderError('escrow.bad_policy', 'An escrow needs between 1 and 16 custodians.');
    if (!Number.isInteger(threshold) || threshold < 1 || threshold > n) {
      throw new KeyholderError('escrow.bad_policy', `The number of custodians needed to restore must be between 1 and ${n}.`);
    }
    if (threshold >= 2 && n < 2) throw new KeyholderError('escrow.bad_policy', 'A quorum needs at least two custodians.');
    const names = custodianNames.map((x) => x.trim());
    if (names.some((x) => x.length === 0 || x.length > 80)) throw new KeyholderError('escrow.bad_custodian', 'Each custodian needs a name of 1 to 80 characters.');
    if (new Set(names.map((x) => x.toLowerCase())).size !== n) throw new KeyholderError('escrow.bad_custodian', 'Two custodians have the same name; give each a distinct name so the restore sheet is unambiguous.');
    const contentKey = crypto.randomBytes(32);
    let pieces: Buffer[];
    if (threshold === 1) pieces = names.map(() => Buffer.from(contentKey));
    else {
      // The library checks for a plain Uint8Array; copy, and clear every intermediate.
      const plain = new Uint8Array(contentKey);
      const shares = await split(plain, n, threshold);
      plain.fill(0);
      pieces = shares.map((x) => Buffer.from(x));
      for (const x of shares) x.fill(0);
    }
    return new EntrySealer(privateKey, meta, names, threshold, profile, contentKey, pieces);
  }

  private constructor(
    privateKey: KeyObject,
    meta: SealMeta,
    readonly names: string[],
    threshold: number,
    private readonly profile: KdfProfile,
    contentKey: Buffer,
    pieces: Buffer[],
  ) {
    this.contentKey = contentKey;
    this.pieces = pieces;
    this.slots = names.map(() => null);
    this.wraps = names.map(() => null);
    const common = {
      keyId: meta.keyId,
      created: meta.created.toISOString(),
      purpose: meta.purpose,
      policy: { threshold, total: names.length },
      content: { cipher: 'AES-256-GCM' as const, nonce: crypto.randomBytes(12).toString('base64') },
      ...(meta.environment ? { environment: meta.environment } : {}),
    };
    // The content AAD needs every custodian's slot, so the key is sealed at
    // finish(); until then it is held only as this buffer (zeroed by dispose()).
    if (privateKey.type === 'secret') {
      this.der = privateKey.export();
      if (this.der.length !== SYMMETRIC_KEY_BYTES) {
        this.der.fill(0);
        throw new KeyholderError('keys.bad_size', 'Only 256-bit symmetric keys can be escrowed.');
      }
      this.partial = { ...common, keyType: 'AES', keyBits: 256, fingerprint: symmetricFingerprint(this.der) };
    } else {
      const id = identityOf(privateKey);
      this.partial = {
        keyId: common.keyId,
        fingerprint: id.fingerprint,
        keyType: 'RSA',
        modulusBits: id.modulusBits as 2048 | 3072 | 4096,
        publicKeySpki: spkiDer(privateKey).toString('base64'),
        created: common.created,
        purpose: common.purpose,
        policy: common.policy,
        content: common.content,
        ...(meta.environment ? { environment: meta.environment } : {}),
      };
      this.der = privateKey.export({ type: 'pkcs8', format: 'der' });
    }
  }

  /** Derives this custodian's KEK and wraps their key or share; the passphrase is not kept. */
  async addCustodian(index: number, passphrase: string): Promise<void> {
    const i = index - 1;
    if (i < 0 || i >= this.names.length) throw new KeyholderError('escrow.unknown_custodian', `There is no custodian number ${index}.`);
    const slot: CustodianSlot = {
      index,
      name: this.names[i]!,
      kdf: { name: 'scrypt', ...this.profile.escrow, salt: crypto.randomBytes(32).toString('base64') },
      wrapNonce: crypto.randomBytes(12).toString('base64'),
    };
    const kek = await scryptKey(passphrase, b64(slot.kdf.salt), this.profile.escrow);
    const wrapped = gcmSeal(kek, b64(slot.wrapNonce), this.pieces[i]!, wrapAad(this.partial.keyId, slot));
    kek.fill(0);
    this.slots[i] = slot;
    this.wraps[i] = wrapped.toString('base64');
  }

  missing(): number[] {
    return this.slots.flatMap((s, i) => (s ? [] : [i + 1]));
  }

  finish(): EscrowFile {
    if (this.missing().length) throw new KeyholderError('escrow.incomplete', `Custodians ${this.missing().join(', ')} have not entered their passphrase yet.`);
    const entry = { ...this.partial, custodians: this.slots as CustodianSlot[] } as KeyEntry;
    const sealed = gcmSeal(this.contentKey, b64(entry.content.nonce), this.der, contentAad(entry, this.wraps as string[]));
    this.dispose();
    const body: EscrowBody = { keys: [{ privateKey: sealed.toString('base64'), wraps: this.wraps as string[] }] };
    return { header: { format: 'keyholder-escrow', version: 1, keys: [entry] }, body };
  }

  dispose(): void {
    this.contentKey.fill(0);
    this.der.fill(0);
    for (const p of this.pieces) p.fill(0);
  }
}

/** Seals a key to all custodians at once (CLI, tests, holder copies). */
export async function sealKey(privateKey: KeyObject, meta: SealMeta, custodians: { name: string; passphrase: string }[], threshold: number, profile?: KdfProfile): Promise<EscrowFile> {
  const s = await EntrySealer.start(privateKey, meta, custodians.map((c) => c.name), threshold, profile);
  try {
    for (let i = 0; i < custodians.length; i++) await s.addCustodian(i + 1, custodians[i]!.passphrase);
    return s.finish();
  } finally {
    s.dispose();
  }
}

/* ---------------- opening ---------------- */

export function findEntry(file: EscrowFile, keyId?: string): { entry: KeyEntry; index: number } {
  const index = keyId === undefined ? file.header.keys.length - 1 : file.header.keys.findIndex((k) => k.keyId === keyId.toLowerCase());
  if (index < 0) {
    throw new KeyholderError('escrow.unknown_key', `This escrow file holds no key with ID ${keyId}. It holds: ${file.header.keys.map((k) => k.keyId).join(', ')}.`);
  }
  return { entry: file.header.keys[index]!, index };
}

function findCustodian(entry: KeyEntry, who: number | string): CustodianSlot {
  const slot = typeof who === 'number' ? entry.custodians[who - 1] : entry.custodians.find((c) => c.name.toLowerCase() === who.trim().toLowerCase());
  if (!slot) {
    throw new KeyholderError('escrow.unknown_custodian', `This key has no custodian "${who}". Its custodians are: ${entry.custodians.map((c) => c.name).join(', ')}.`);
  }
  return slot;
}

/** A custodian's unwrapped key (threshold 1) or share. Zero it after use. */
export interface OpenedSlot {
  index: number;
  name: string;
  piece: Buffer;
}

export async function openSlot(file: EscrowFile, keyId: string | undefined, who: number | string, passphrase: string): Promise<OpenedSlot> {
  const { entry, index } = findEntry(file, keyId);
  const slot = findCustodian(entry, who);
  const kek = await scryptKey(passphrase, b64(slot.kdf.salt), slot.kdf);
  const piece = gcmOpen(kek, b64(slot.wrapNonce), b64(file.body.keys[index]!.wraps[slot.index - 1]!), wrapAad(entry.keyId, slot));
  kek.fill(0);
  if (!piece) {
    throw new KeyholderError('escrow.wrong_passphrase', `This passphrase does not open custodian ${slot.name}'s share. Check that ${slot.name} is typing it (caps lock, keyboard layout) and try again.`, {
      custodian: slot.name,
    });
  }
  const expected = entry.policy.threshold === 1 ? 32 : 33;
  if (piece.length !== expected) {
    piece.fill(0);
    throw altered();
  }
  return { index: slot.index, name: slot.name, piece };
}

const altered = () =>
  new KeyholderError('escrow.altered', 'This escrow file was altered after it was written: its contents no longer match what the custodians sealed. Do not use it; restore from another copy.');

/**
 * Combines opened slots into the private key (PKCS#8 DER; for an AES-256
 * entry, the 32 raw key bytes) and checks it against the entry's
 * fingerprint. The caller zeroes the returned buffer.
 */
export async function finishOpen(file: EscrowFile, keyId: string | undefined, slots: OpenedSlot[]): Promise<{ entry: KeyEntry; pkcs8: Buffer }> {
  const { entry, index } = findEntry(file, keyId);
  const seen = new Set<number>();
  for (const s of slots) {
    if (seen.has(s.index)) throw new KeyholderError('escrow.duplicate_share', `Custodian ${s.name} was entered twice; each custodian counts once.`, { custodian: s.name });
    seen.add(s.index);
  }
  const m = entry.policy.threshold;
  if (slots.length < m) {
    throw new KeyholderError('escrow.too_few_shares', `Restoring this key needs ${m} of its ${entry.policy.total} custodians; only ${slots.length} entered a passphrase.`, {
      needed: m,
      given: slots.length,
    });
  }
  let contentKey: Buffer;
  if (m === 1) {
    contentKey = Buffer.from(slots[0]!.piece);
  } else {
    const xs = new Set(slots.map((s) => s.piece[32]));
    if (xs.size !== slots.length) throw new KeyholderError('escrow.duplicate_share', 'Two of the shares entered are the same share; the file was altered or copied between custodians.');
    const copies = slots.slice(0, m).map((s) => new Uint8Array(s.piece));
    const combined = await combine(copies);
    contentKey = Buffer.from(combined);
    combined.fill(0);
    for (const c of copies) c.fill(0);
  }
  const pkcs8 = gcmOpen(contentKey, b64(entry.content.nonce), b64(file.body.keys[index]!.privateKey), contentAad(entry, file.body.keys[index]!.wraps));
  contentKey.fill(0);
  if (!pkcs8) throw altered();
  if (entry.keyType === 'AES') {
    if (pkcs8.length !== SYMMETRIC_KEY_BYTES || symmetricFingerprint(pkcs8) !== entry.fingerprint) {
      pkcs8.fill(0);
      throw altered();
    }
    return { entry, pkcs8 };
  }
  let pub: Buffer;
  try {
    pub = spkiDer(crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
  } catch {
    pkcs8.fill(0);
    throw altered();
  }
  const fp = crypto.createHash('sha256').update(pub).digest('hex');
  if (fp !== entry.fingerprint || !pub.equals(b64(entry.publicKeySpki))) {
    pkcs8.fill(0);
    throw altered();
  }
  return { entry, pkcs8 };
}

/** Opens a key with the given passphrases (a quorum, or one custodian when the threshold is 1). */
export async function openKey(file: EscrowFile, keyId: string | undefined, unlocks: { custodian: number | string; passphrase: string }[]): Promise<{ entry: KeyEntry; pkcs8: Buffer }> {
  const { entry } = findEntry(file, keyId);
  const seen = new Set<number>();
  for (const u of unlocks) {
    const slot = findCustodian(entry, u.custodian);
    if (seen.has(slot.index)) throw new KeyholderError('escrow.duplicate_share', `Custodian ${slot.name} was entered twice; each custodian counts once.`, { custodian: slot.name });
    seen.add(slot.index);
  }
  const slots: OpenedSlot[] = [];
  try {
    for (const u of unlocks) slots.push(await openSlot(file, entry.keyId, u.custodian, u.passphrase));
    return await finishOpen(file, entry.keyId, slots);
  } finally {
    for (const s of slots) s.piece.fill(0);
  }
}
