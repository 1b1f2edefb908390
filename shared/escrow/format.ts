/**
 * The escrow file, version 1 (docs/formats/escrow-v1.md): the container,
 * its header and body, and their one canonical serialization. Pure: the
 * crypto calls live in electron/services/escrow; this module decides what
 * a well-formed file is and which bytes each cipher authenticates.
 *
 *   "KHESCROW" | u16 version | u32 headerLen | header JSON | u32 bodyLen | body JSON | SHA-256(all before)
 *
 * The trailing checksum catches accidental damage before any passphrase is
 * tried; deliberate alteration is caught by AES-GCM over the canonical header.
 */
import { z } from 'zod';
import { sha256 } from '@noble/hashes/sha2.js';
import { KeyholderError } from '../errors/index';
import { concatBytes, equalBytes, fromBase64, utf8 } from './bytes';

const ESCROW_MAGIC = 'KHESCROW';
const ESCROW_VERSION = 1;
export const ESCROW_EXTENSION = '.khescrow';
/** A file larger than this is not an escrow file (16 keys of 4096 bits fit in well under 1 MiB). */
export const MAX_ESCROW_BYTES = 4 * 1024 * 1024;
const MAX_KEYS_PER_FILE = 16;
const MAX_CUSTODIANS = 16;

const b64 = (bytes?: number) =>
  z.string().refine((s) => {
    const b = fromBase64(s);
    return b !== null && (bytes === undefined || b.length === bytes);
  }, 'base64');

export const kdfSchema = z
  .object({
    name: z.literal('scrypt'),
    /** N = 2^log2N */
    log2N: z.number().int().min(10).max(24),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(64),
    salt: b64(32),
  })
  .strict();
export type KdfParams = z.infer<typeof kdfSchema>;

export const custodianSlotSchema = z
  .object({
    index: z.number().int().min(1).max(MAX_CUSTODIANS),
    name: z.string().min(1).max(80),
    kdf: kdfSchema,
    wrapNonce: b64(12),
  })
  .strict();
export type CustodianSlot = z.infer<typeof custodianSlotSchema>;

const entryCommon = {
  keyId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  created: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/),
  purpose: z.string().max(200),
  policy: z.object({ threshold: z.number().int().min(1), total: z.number().int().min(1).max(MAX_CUSTODIANS) }).strict(),
  custodians: z.array(custodianSlotSchema).min(1).max(MAX_CUSTODIANS),
  content: z.object({ cipher: z.literal('AES-256-GCM'), nonce: b64(12) }).strict(),
  /**
   * Present only on keys sealed by a rehearsal workstation. Inside the
   * content AAD (canonicalEntry), so removing it makes the file *altered*.
   */
  environment: z.literal('rehearsal').optional(),
};

/** The RSA source key (Azure Key Vault BYOK): the only type before the key types were added; its entries are unchanged. */
export const rsaKeyEntrySchema = z
  .object({
    ...entryCommon,
    keyType: z.literal('RSA'),
    modulusBits: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]),
    publicKeySpki: b64(),
  })
  .strict();

/**
 * A 256-bit symmetric key (AWS KMS imported key material). It has no public
 * half: its fingerprint is a keyed check value (see symmetricFingerprint in
 * electron/services/keys/symmetric-key.ts), and the body holds the 32 raw key bytes sealed.
 */
const aesKeyEntrySchema = z
  .object({
    ...entryCommon,
    keyType: z.literal('AES'),
    keyBits: z.literal(256),
  })
  .strict();

export const keyEntrySchema = z
  .discriminatedUnion('keyType', [rsaKeyEntrySchema, aesKeyEntrySchema])
  .superRefine((e, ctx) => {
    if (e.policy.total !== e.custodians.length) ctx.addIssue({ code: 'custom', message: 'total' });
    if (e.policy.threshold > e.policy.total) ctx.addIssue({ code: 'custom', message: 'threshold' });
    e.custodians.forEach((c, i) => {
      if (c.index !== i + 1) ctx.addIssue({ code: 'custom', message: 'index' });
    });
    if (new Set(e.custodians.map((c) => c.name.toLowerCase())).size !== e.custodians.length) ctx.addIssue({ code: 'custom', message: 'names' });
  });
export type KeyEntry = z.infer<typeof keyEntrySchema>;
export type RsaKeyEntry = z.infer<typeof rsaKeyEntrySchema>;

/** Narrows to the RSA source key where a step needs it (Azure import, PEM restore), with a message a holder can act on. */
export function requireRsaEntry(e: KeyEntry): RsaKeyEntry {
  if (e.keyType !== 'RSA') {
    throw new KeyholderError(
      'escrow.wrong_key_type',
      `Key ${e.keyId} in this escrow file is a ${describeKeyType(e)} key (for AWS KMS), not the RSA source key this step needs. Choose the escrow entry or file made for Azure Key Vault.`,
    );
  }
  return e;
}

/** "RSA 4096" or "AES 256": how a key is named on sheets and screens. */
export function describeKeyType(e: KeyEntry): string {
  return e.keyType === 'RSA' ? `RSA ${e.modulusBits}` : `AES ${e.keyBits}`;
}

export const headerSchema = z
  .object({
    format: z.literal('keyholder-escrow'),
    version: z.literal(ESCROW_VERSION),
    keys: z.array(keyEntrySchema).min(1).max(MAX_KEYS_PER_FILE),
  })
  .strict()
  .superRefine((h, ctx) => {
    if (new Set(h.keys.map((k) => k.keyId)).size !== h.keys.length) ctx.addIssue({ code: 'custom', message: 'duplicate keyId' });
  });
export type EscrowHeader = z.infer<typeof headerSchema>;

export const bodySchema = z
  .object({
    keys: z.array(z.object({ privateKey: b64(), wraps: z.array(b64()).min(1).max(MAX_CUSTODIANS) }).strict()),
  })
  .strict();
export type EscrowBody = z.infer<typeof bodySchema>;

export interface EscrowFile {
  header: EscrowHeader;
  body: EscrowBody;
}

/* ---------- canonical JSON: fixed field order, no whitespace ---------- */

function canonicalKdf(k: KdfParams) {
  return { name: k.name, log2N: k.log2N, r: k.r, p: k.p, salt: k.salt };
}

function canonicalEntry(e: KeyEntry) {
  const tail = {
    created: e.created,
    purpose: e.purpose,
    policy: { threshold: e.policy.threshold, total: e.policy.total },
    custodians: e.custodians.map((c) => ({ index: c.index, name: c.name, kdf: canonicalKdf(c.kdf), wrapNonce: c.wrapNonce })),
    content: { cipher: e.content.cipher, nonce: e.content.nonce },
    // Last, and only when present: files without the mark keep their exact bytes.
    ...(e.environment !== undefined ? { environment: e.environment } : {}),
  };
  // RSA entries keep the field order files were always written in: their authenticated bytes must not change.
  if (e.keyType === 'RSA') return { keyId: e.keyId, fingerprint: e.fingerprint, keyType: e.keyType, modulusBits: e.modulusBits, publicKeySpki: e.publicKeySpki, ...tail };
  return { keyId: e.keyId, fingerprint: e.fingerprint, keyType: e.keyType, keyBits: e.keyBits, ...tail };
}

export function canonicalHeaderJson(h: EscrowHeader): string {
  return JSON.stringify({ format: h.format, version: h.version, keys: h.keys.map(canonicalEntry) });
}

function canonicalBodyJson(b: EscrowBody): string {
  return JSON.stringify({ keys: b.keys.map((k) => ({ privateKey: k.privateKey, wraps: [...k.wraps] })) });
}

/* ---------- what each AES-GCM operation authenticates ---------- */

/**
 * The private key's ciphertext is bound to its whole header entry (policy,
 * custodians, fingerprint, KDFs) and to every custodian's wrap, so one
 * custodian's successful restore also proves the other custodians' slots
 * are intact.
 */
export function contentAad(e: KeyEntry, wraps: string[]): Uint8Array {
  return utf8(`keyholder-escrow/v1/content\n${JSON.stringify(canonicalEntry(e))}\n${JSON.stringify(wraps)}`);
}

/**
 * A custodian's wrapped key or share is bound to that custodian's own slot
 * only, so a wrong passphrase and an altered header stay distinguishable:
 * the slot opens with the right passphrase even when the rest was altered,
 * and the content check then reports the alteration.
 */
export function wrapAad(keyId: string, c: CustodianSlot): Uint8Array {
  return utf8(`keyholder-escrow/v1/wrap\n${JSON.stringify([keyId, c.index, c.name, canonicalKdf(c.kdf), c.wrapNonce])}`);
}

/* ---------- container ---------- */

function u32(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

export function serializeEscrow(file: EscrowFile): Uint8Array {
  const header = headerSchema.parse(file.header);
  const body = bodySchema.parse(file.body);
  if (body.keys.length !== header.keys.length) throw new Error('body and header disagree on the number of keys');
  const h = utf8(canonicalHeaderJson(header));
  const b = utf8(canonicalBodyJson(body));
  const head = concatBytes(utf8(ESCROW_MAGIC), new Uint8Array([0, ESCROW_VERSION]), u32(h.length), h, u32(b.length), b);
  return concatBytes(head, sha256(head));
}

const damaged = (why: string) =>
  new KeyholderError(
    'escrow.damaged',
    'This escrow file is damaged or incomplete (it does not match its own checksum or structure). Use another copy of the escrow file; this one cannot be trusted.',
    { why },
  );

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw damaged('json');
  }
}

/** Reads the container and checks structure and checksum; needs no passphrase. */
export function parseEscrow(bytes: Uint8Array): EscrowFile {
  const magic = utf8(ESCROW_MAGIC);
  const prefix = bytes.subarray(0, Math.min(bytes.length, magic.length));
  if (!equalBytes(prefix, magic.subarray(0, prefix.length)) || bytes.length === 0) {
    throw new KeyholderError('escrow.not_escrow', 'This is not a Key Holder escrow file. Check that you picked the escrow file (it ends in .khescrow), not a PEM or another document.');
  }
  if (bytes.length < magic.length + 2) throw damaged('truncated');
  const version = (bytes[8]! << 8) | bytes[9]!;
  if (version !== ESCROW_VERSION) {
    throw new KeyholderError(
      'escrow.unsupported_version',
      version > ESCROW_VERSION
        ? `This escrow file uses format version ${version}, written by a newer Key Holder. Open it with that version or later.`
        : `This escrow file claims format version ${version}, which Key Holder never wrote. The file is damaged; use another copy.`,
      { version },
    );
  }
  if (bytes.length > MAX_ESCROW_BYTES) throw damaged('too large');
  if (bytes.length < 14 + 4 + 32) throw damaged('truncated');
  const hLen = readU32(bytes, 10);
  if (14 + hLen + 4 + 32 > bytes.length) throw damaged('truncated');
  const bLen = readU32(bytes, 14 + hLen);
  const end = 14 + hLen + 4 + bLen;
  if (end + 32 !== bytes.length) throw damaged('length');
  if (!equalBytes(sha256(bytes.subarray(0, end)), bytes.subarray(end))) throw damaged('checksum');
  const hBytes = bytes.subarray(14, 14 + hLen);
  const bBytes = bytes.subarray(14 + hLen + 4, end);
  const h = headerSchema.safeParse(parseJson(hBytes));
  const b = bodySchema.safeParse(parseJson(bBytes));
  if (!h.success) throw damaged('header');
  if (!b.success) throw damaged('body');
  if (b.data.keys.length !== h.data.keys.length) throw damaged('key count');
  h.data.keys.forEach((k, i) => {
    if (b.data.keys[i]!.wraps.length !== k.custodians.length) throw damaged('wrap count');
  });
  // One spelling per file: a re-encoded header would authenticate differently.
  const td = new TextDecoder();
  if (td.decode(hBytes) !== canonicalHeaderJson(h.data) || td.decode(bBytes) !== canonicalBodyJson(b.data)) throw damaged('not canonical');
  return { header: h.data, body: b.data };
}

/** Adds keys (a rotation) to an existing file; earlier entries stay byte-for-byte as they were. */
export function appendKeys(file: EscrowFile, added: EscrowFile): EscrowFile {
  return {
    header: { ...file.header, keys: [...file.header.keys, ...added.header.keys] },
    body: { keys: [...file.body.keys, ...added.body.keys] },
  };
}
