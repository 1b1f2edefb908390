/**
 * Transcript verification as a pure function of the file's bytes and an
 * Ed25519 verify callback. It walks the lines in order and stops at the
 * first entry at fault, saying which and why, because a key holder needs
 * the point where the record stops being trustworthy, not a list of echoes.
 */
import { canonicalJson, fromBase64Url } from './canonical';
import {
  CLOSING_KIND,
  OPENING_KIND,
  attestationSigningBytes,
  entrySchema,
  entrySigningBytes,
  genesisHash,
  keyFingerprint,
  lineHash,
  type TranscriptEntry,
  type VerifyFn,
} from './entry';

export type FaultReason = 'edited' | 'reordered' | 'removed' | 'inserted' | 'spliced' | 'bad-signature' | 'not-closed' | 'anchor-mismatch';

export interface TranscriptFault {
  /** 1-based line in the file (for "not closed": the line where the closing entry should be). */
  line: number;
  /** The entry's sequence number as written, when the line could be read. */
  seq?: number;
  reason: FaultReason;
  message: string;
}

export interface TranscriptSummary {
  ceremony: string;
  entries: number;
  signer: string;
  signerFingerprint: string;
  openedAt: string;
  closedAt?: string;
  /** Hash of the closing line: printed on the ceremony report and sent in the control-plane receipt. */
  finalHash?: string;
  kinds: string[];
}

export type VerifyResult = ({ ok: true } & TranscriptSummary & { closedAt: string; finalHash: string }) | { ok: false; fault: TranscriptFault; ceremony?: string; entriesChecked: number };

export interface VerifyOptions {
  /** The final hash from the printed report or control-plane receipt. */
  expectedFinalHash?: string;
  /** The workstation ceremony key, as fingerprint or base64url public key. */
  expectedSigner?: string;
  /** Leave out the "closed" requirement (used before appending to an open ceremony). */
  allowOpen?: boolean;
}

interface Line {
  bytes: Uint8Array;
  text?: string;
  entry?: TranscriptEntry;
  problem?: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function splitLines(input: Uint8Array): { lines: Uint8Array[]; trailingNewline: boolean } {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] === 0x0a) {
      lines.push(input.subarray(start, i));
      start = i + 1;
    }
  }
  const trailingNewline = start === input.length;
  if (!trailingNewline) lines.push(input.subarray(start));
  return { lines, trailingNewline };
}

function readLine(bytes: Uint8Array): Line {
  const line: Line = { bytes };
  if (bytes.length === 0) return { ...line, problem: 'is empty' };
  try {
    line.text = decoder.decode(bytes);
  } catch {
    return { ...line, problem: 'is not valid UTF-8 text' };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(line.text);
  } catch {
    return { ...line, problem: 'is not valid JSON' };
  }
  const parsed = entrySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ...line, problem: `is not a transcript entry (${issue?.path.join('.') || 'entry'}: ${issue?.message})` };
  }
  let canonical: string;
  try {
    canonical = canonicalJson(parsed.data);
  } catch {
    return { ...line, problem: 'holds a value a transcript cannot contain' };
  }
  if (canonical !== line.text) return { ...line, problem: 'is not in canonical form (spacing, escapes or key order were changed)' };
  return { ...line, entry: parsed.data };
}

function signatureValid(entry: TranscriptEntry, verify: VerifyFn): boolean {
  try {
    return verify(fromBase64Url(entry.signer)!, entrySigningBytes(entry), fromBase64Url(entry.sig)!);
  } catch {
    return false;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function verifyTranscript(input: Uint8Array | string, verify: VerifyFn, options: VerifyOptions = {}): VerifyResult {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const { lines: raw, trailingNewline } = splitLines(bytes);
  const lines = raw.map(readLine);
  const fail = (i: number, reason: FaultReason, message: string, ceremony?: string): VerifyResult => ({
    ok: false,
    fault: { line: i + 1, ...(lines[i]?.entry ? { seq: lines[i]!.entry!.seq } : {}), reason, message },
    ...(ceremony ? { ceremony } : {}),
    entriesChecked: i,
  });
  if (lines.length === 0) return fail(0, 'not-closed', 'The transcript is empty: it has no opening entry and no closing entry.');

  /** An entry ahead of its place: a copy of a later line (inserted) or a line moved forward (reordered). */
  const misplacedEntry = (i: number, ceremonyId: string): VerifyResult | null => {
    const line = lines[i]!;
    const seq = line.entry!.seq;
    const copyAt = lines.findIndex((l, j) => j > i && sameBytes(l.bytes, line.bytes));
    if (copyAt > i) return fail(i, 'inserted', `Line ${i + 1} is a copy of entry ${seq} (also on line ${copyAt + 1}): an entry was inserted.`, ceremonyId);
    if (lines.slice(i + 1).some((l) => l.entry?.seq === i && l.entry.ceremony === ceremonyId)) {
      return fail(i, 'reordered', `Entry ${seq} is on line ${i + 1} where entry ${i} belongs: entries were moved.`, ceremonyId);
    }
    return null;
  };

  let ceremony = '';
  let signer = '';
  let closed = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const entry = line.entry;
    if (closed) return fail(i, 'inserted', `Line ${i + 1} comes after the closing entry: nothing may follow it.`, ceremony);
    if (!entry) {
      const reason: FaultReason = line.problem === 'is empty' ? 'inserted' : 'edited';
      return fail(i, reason, `Line ${i + 1} ${line.problem}: the file was changed after it was written.`, ceremony || undefined);
    }
    if (i === lines.length - 1 && !trailingNewline) {
      return fail(i, 'edited', `Line ${i + 1} does not end with a line break: the last entry was cut or changed.`, ceremony || undefined);
    }
    if (!signatureValid(entry, verify)) {
      // The signature covers the content; the next entry's `prev` covers the
      // whole line. If the next entry still chains to this line as it is, the
      // content is what was chained but was never signed by the key it names.
      const next = lines[i + 1]?.entry;
      if (next && next.prev === lineHash(line.bytes)) {
        return fail(i, 'bad-signature', `Entry ${entry.seq} (line ${i + 1}) carries a signature that does not verify with the key it names: it was not written by that workstation.`, ceremony || undefined);
      }
      return fail(i, 'edited', `Entry ${entry.seq} (line ${i + 1}) was changed after it was signed: its signature no longer matches its content.`, ceremony || undefined);
    }
    if (i === 0) {
      if (entry.seq !== 0) {
        const misplaced = misplacedEntry(0, entry.ceremony);
        if (misplaced) return misplaced;
      }
      if (entry.seq !== 0 || entry.kind !== OPENING_KIND) {
        return fail(0, 'removed', `The transcript starts at entry ${entry.seq} (${entry.kind}): its opening entry${entry.seq > 1 ? ` and entries up to ${entry.seq - 1}` : ''} are missing.`, entry.ceremony);
      }
      if (entry.prev !== genesisHash(entry.ceremony)) {
        return fail(0, 'spliced', 'The opening entry does not start the chain of its own ceremony.', entry.ceremony);
      }
      ceremony = entry.ceremony;
      signer = entry.signer;
      if (options.expectedSigner) {
        const want = options.expectedSigner.toLowerCase();
        if (want !== entry.signer.toLowerCase() && want !== keyFingerprint(entry.signer)) {
          return fail(0, 'anchor-mismatch', `The transcript is signed by workstation key ${keyFingerprint(entry.signer)}, not the expected ${options.expectedSigner}.`, ceremony);
        }
      }
    } else {
      if (entry.ceremony !== ceremony) {
        return fail(i, 'spliced', `Entry ${entry.seq} (line ${i + 1}) belongs to ceremony ${entry.ceremony}, not ${ceremony}: it was spliced in from another transcript.`, ceremony);
      }
      if (entry.signer !== signer) {
        return fail(i, 'spliced', `Entry ${entry.seq} (line ${i + 1}) was signed by another workstation (key ${keyFingerprint(entry.signer)}): it was spliced in from another transcript of this ceremony.`, ceremony);
      }
      if (entry.seq > i) {
        return misplacedEntry(i, ceremony) ?? fail(i, 'removed', `Entry ${i}${entry.seq - 1 > i ? ` to ${entry.seq - 1}` : ''} is missing before line ${i + 1}: entries were removed.`, ceremony);
      }
      if (entry.seq < i) {
        const copyOf = lines.slice(0, i).findIndex((l) => sameBytes(l.bytes, line.bytes));
        if (copyOf >= 0) return fail(i, 'inserted', `Line ${i + 1} is a second copy of entry ${entry.seq} (line ${copyOf + 1}): an entry was inserted.`, ceremony);
        return fail(i, 'spliced', `Line ${i + 1} is another version of entry ${entry.seq}: it was spliced in from another copy of this transcript.`, ceremony);
      }
      if (entry.prev !== lineHash(lines[i - 1]!.bytes)) {
        return fail(i, 'spliced', `Entry ${entry.seq} (line ${i + 1}) does not follow the entry before it (the chain hash differs): it comes from another copy of this transcript.`, ceremony);
      }
      if (entry.kind === OPENING_KIND) return fail(i, 'inserted', `Line ${i + 1} is a second opening entry.`, ceremony);
    }
    for (const a of entry.attestations ?? []) {
      if (a.statement.ceremony !== ceremony) {
        return fail(i, 'spliced', `The attestation by ${a.name} in entry ${entry.seq} was made for another ceremony.`, ceremony);
      }
      let good = false;
      try {
        good = verify(fromBase64Url(a.key)!, attestationSigningBytes(a.statement), fromBase64Url(a.sig)!);
      } catch {
        good = false;
      }
      if (!good) return fail(i, 'bad-signature', `The ${a.role}'s attestation by ${a.name} in entry ${entry.seq} does not verify with that participant's key.`, ceremony);
    }
    if (entry.kind === CLOSING_KIND) closed = true;
  }

  const first = lines[0]!.entry!;
  const last = lines[lines.length - 1]!;
  const summary: TranscriptSummary = {
    ceremony,
    entries: lines.length,
    signer,
    signerFingerprint: keyFingerprint(signer),
    openedAt: first.at,
    kinds: lines.map((l) => l.entry!.kind),
  };
  if (!closed) {
    if (options.allowOpen) return { ok: false, fault: { line: lines.length + 1, reason: 'not-closed', message: 'The ceremony is still open.' }, ceremony, entriesChecked: lines.length };
    return {
      ok: false,
      fault: { line: lines.length + 1, reason: 'not-closed', message: `The transcript has no closing entry after entry ${last.entry!.seq}: the ceremony was never closed, or its last entries were cut off.` },
      ceremony,
      entriesChecked: lines.length,
    };
  }
  const finalHash = lineHash(last.bytes);
  if (options.expectedFinalHash && options.expectedFinalHash.toLowerCase() !== finalHash) {
    return fail(lines.length - 1, 'anchor-mismatch', `The transcript's final hash is ${finalHash}, not ${options.expectedFinalHash} as on the ceremony report or receipt: this is not the transcript that was closed.`, ceremony);
  }
  return { ok: true, ...summary, closedAt: last.entry!.at, finalHash };
}
