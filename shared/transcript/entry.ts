/**
 * Transcript entry format v1 (docs/formats/transcript-v1.md). One entry per
 * ceremony step, one canonical-JSON line each. The chain: `prev` is the
 * SHA-256 of the previous line's bytes; the first entry's `prev` is the
 * genesis hash of its ceremony ID, so an entry cannot be moved to another
 * ceremony's chain. Every entry names the Ed25519 key that signed it.
 */
import { z } from 'zod';
import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalJson, fromBase64Url, toBase64Url, toHex, utf8, type JsonObject } from './canonical';
import { KeyholderError } from '../errors/index';

const TRANSCRIPT_VERSION = 1 as const;
export const OPENING_KIND = 'ceremony.opened';
export const CLOSING_KIND = 'ceremony.closed';

const ENTRY_DOMAIN = 'keyholder-transcript-v1\n';
const ATTESTATION_DOMAIN = 'keyholder-attestation-v1\n';
const GENESIS_DOMAIN = 'keyholder-transcript-v1 genesis\n';

export const ROLES = ['keeper', 'knower', 'supervisor', 'operator'] as const;
export type Role = (typeof ROLES)[number];

const b64url = (bytes: number) =>
  z.string().refine((s) => fromBase64Url(s)?.length === bytes, { message: `must be ${bytes} bytes of canonical base64url` });
const jsonObject = z.record(z.string(), z.json()) as unknown as z.ZodType<JsonObject>;

export const ceremonyIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{7,63}$/, 'a ceremony ID is 8-64 lower-case letters, digits or hyphens');
const entryKindSchema = z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/, 'an entry kind looks like "vault.imported"');

/** A participant's signed statement carried inside an entry (e.g. the supervisor's attestation). */
export const attestationSchema = z.strictObject({
  participant: z.string().min(1).max(128),
  name: z.string().min(1).max(200),
  role: z.enum(ROLES),
  key: b64url(32),
  statement: jsonObject,
  sig: b64url(64),
});
export type Attestation = z.infer<typeof attestationSchema>;

export const entrySchema = z.strictObject({
  v: z.literal(TRANSCRIPT_VERSION),
  ceremony: ceremonyIdSchema,
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/),
  kind: entryKindSchema,
  data: jsonObject,
  attestations: z.array(attestationSchema).min(1).optional(),
  prev: z.string().regex(/^[0-9a-f]{64}$/),
  signer: b64url(32),
  sig: b64url(64),
});
export type TranscriptEntry = z.infer<typeof entrySchema>;
export type UnsignedEntry = Omit<TranscriptEntry, 'sig'>;

export type SignFn = (message: Uint8Array) => Uint8Array;
/** Ed25519 verification, supplied by the caller (node:crypto on the Node side) so this module stays pure. */
export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

function withDomain(domain: string, body: string): Uint8Array {
  return utf8(domain + body);
}

export function entrySigningBytes(entry: UnsignedEntry | TranscriptEntry): Uint8Array {
  const { sig: _sig, ...rest } = entry as TranscriptEntry;
  void _sig;
  return withDomain(ENTRY_DOMAIN, canonicalJson(rest));
}

export function attestationSigningBytes(statement: JsonObject): Uint8Array {
  return withDomain(ATTESTATION_DOMAIN, canonicalJson(statement));
}

export function genesisHash(ceremony: string): string {
  return toHex(sha256(utf8(GENESIS_DOMAIN + ceremony)));
}

/** The chain hash of one line (its bytes without the line break). */
export function lineHash(line: string | Uint8Array): string {
  return toHex(sha256(typeof line === 'string' ? utf8(line) : line));
}

/** Short, readable fingerprint of an Ed25519 public key (reports, CLI `--key`). */
export function keyFingerprint(publicKey: Uint8Array | string): string {
  const raw = typeof publicKey === 'string' ? fromBase64Url(publicKey) : publicKey;
  if (!raw) throw new KeyholderError('transcript.bad_key', 'That is not a valid public key.');
  return toHex(sha256(raw).slice(0, 16)).match(/.{4}/g)!.join(':');
}

const unsignedEntrySchema = entrySchema.omit({ sig: true });

export function signEntry(unsigned: UnsignedEntry, sign: SignFn): { entry: TranscriptEntry; line: string } {
  const parsed = unsignedEntrySchema.safeParse(unsigned);
  if (!parsed.success) {
    throw new KeyholderError('transcript.bad_entry', `This transcript entry is not valid: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}.`);
  }
  const entry: TranscriptEntry = { ...unsigned, sig: toBase64Url(sign(entrySigningBytes(unsigned))) };
  return { entry, line: canonicalJson(entry) };
}

/**
 * Names that suggest secret material. Entries record fingerprints and
 * identifiers only; refusing these keys catches a caller passing the wrong
 * object before it is signed into a file that cannot be edited afterwards.
 */
const SECRET_KEY_PATTERN = /passphrase|password|secret|private|plaintext|share$|^shares?$|component$|^key$|keybytes|keymaterial|token/i;
export function assertNoSecretFields(value: unknown, path = 'data'): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertNoSecretFields(v, `${path}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY_PATTERN.test(k)) {
        throw new KeyholderError('transcript.secret_field', `Refused to record "${path}.${k}" in the transcript: it looks like secret material. Record a fingerprint or identifier instead.`);
      }
      assertNoSecretFields(v, `${path}.${k}`);
    }
  }
}
