/**
 * A workstation's transcript as a signed file, carried to the other
 * workstations of the ceremony when there is no control plane between them
 * (docs/formats/transcript-bundle-v1.md). The entries inside are signed one
 * by one already; the file's own signature, by the same workstation key,
 * binds the label and export time to them, so a file cannot be passed off as
 * another workstation's. Pure: the Ed25519 check is injected.
 */
import { z } from 'zod';
import { KeyholderError } from '../errors/index';
import { canonicalJson, fromBase64Url, toBase64Url, utf8 } from './canonical';
import { ceremonyIdSchema, keyFingerprint, type SignFn, type TranscriptEntry, type VerifyFn } from './entry';

const BUNDLE_FORMAT = 'keyholder-transcript-bundle' as const;
const BUNDLE_DOMAIN = 'keyholder-transcript-bundle-v1\n';
/** A transcript is at most 16 MiB (MAX_TRANSCRIPT_BYTES); JSON escaping of its quotes adds a little. */
export const MAX_BUNDLE_BYTES = 24 * 2 ** 20;
export const BUNDLE_EXTENSION = '.khtranscript';

const b64url = (bytes: number) => z.string().refine((s) => fromBase64Url(s)?.length === bytes, { message: `must be ${bytes} bytes of canonical base64url` });

export const bundleSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  v: z.literal(1),
  exportedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/),
  workstation: z.strictObject({ label: z.string().min(1).max(100), key: b64url(32) }),
  ceremony: ceremonyIdSchema,
  /** The plan fingerprint the exporting workstation showed, to compare with the importer's. */
  planFingerprint: z.string().regex(/^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/).optional(),
  /** Every workstation of the exporting workstation's plan: a verifier of the bundle knows whose file is missing. */
  planWorkstations: z.array(z.strictObject({ label: z.string().min(1).max(100), key: b64url(32) })).max(16),
  /** The transcript file's exact text (JSON lines, each ending in a line break). */
  transcript: z.string().min(1).max(16 * 2 ** 20),
  sig: b64url(64),
});
export type TranscriptBundle = z.infer<typeof bundleSchema>;

function bundleSigningBytes(b: Omit<TranscriptBundle, 'sig'> | TranscriptBundle): Uint8Array {
  const { sig: _sig, ...rest } = b as TranscriptBundle;
  void _sig;
  return utf8(BUNDLE_DOMAIN + canonicalJson(rest));
}

export function signBundle(unsigned: Omit<TranscriptBundle, 'sig'>, sign: SignFn): TranscriptBundle {
  return { ...unsigned, sig: toBase64Url(sign(bundleSigningBytes(unsigned))) };
}

export function serializeBundle(b: TranscriptBundle): string {
  return JSON.stringify(b, null, 1) + '\n';
}

/**
 * Parses a bundle and checks its own signature and that the transcript
 * inside is this workstation's (its first entry signed by the same key, of
 * the named ceremony). The transcript's chain itself is checked by the merge.
 */
export function parseBundle(text: string, verify: VerifyFn): TranscriptBundle {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new KeyholderError('bundle.bad_file', 'This is not a workstation’s transcript file (it is not JSON). Export it again from the Ceremony screen of that workstation.');
  }
  const r = bundleSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new KeyholderError('bundle.bad_file', `This is not a workstation’s transcript file (${i?.path.join('.') || 'file'}: ${i?.message}). Export it again from the Ceremony screen of that workstation.`);
  }
  const b = r.data;
  const key = fromBase64Url(b.workstation.key)!;
  if (!verify(key, bundleSigningBytes(b), fromBase64Url(b.sig)!)) {
    throw new KeyholderError('bundle.bad_signature', `The transcript file of "${b.workstation.label}" was changed after it was exported (its signature does not verify with the workstation key it names, ${keyFingerprint(key)}). Ask for the file again.`);
  }
  let first: TranscriptEntry;
  try {
    first = JSON.parse(b.transcript.slice(0, b.transcript.indexOf('\n'))) as TranscriptEntry;
  } catch {
    throw new KeyholderError('bundle.bad_file', `The transcript inside the file of "${b.workstation.label}" cannot be read. Export it again.`);
  }
  if (first.signer !== b.workstation.key || first.ceremony !== b.ceremony) {
    throw new KeyholderError('bundle.not_its_transcript', `The file of "${b.workstation.label}" carries a transcript that workstation did not start (another ceremony or another workstation's key). Ask for the file again.`);
  }
  return b;
}
