/**
 * The ceremony transcript on disk: one append-only JSON-lines file per
 * ceremony under <dataDir>/transcripts/. Before every append the file is
 * verified, so nothing is ever chained onto a record that was tampered with,
 * and steps of the ceremony table are refused when their receipts are
 * missing.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import { fromBase64Url, type JsonObject } from '../../../shared/transcript/canonical';
import {
  CLOSING_KIND,
  OPENING_KIND,
  assertNoSecretFields,
  attestationSigningBytes,
  ceremonyIdSchema,
  genesisHash,
  lineHash,
  signEntry,
  type Attestation,
  type TranscriptEntry,
} from '../../../shared/transcript/entry';
import { verifyTranscript, type VerifyOptions, type VerifyResult } from '../../../shared/transcript/verify';
import { CEREMONY_STEPS, assertStepMayStart, type Receipt } from '../../../shared/ceremony/steps';
import type { Clock } from '../platform/clock';
import { BoundedReadError, readRegularFileLinesSync } from '../platform/bounded-read';
import type { CeremonyKey } from './ceremony-key';
import { ed25519Verify } from './ed25519';

export interface AppendResult {
  seq: number;
  hash: string;
}

export interface TranscriptService {
  /** Starts a new ceremony's transcript; returns its ID and file. */
  open(data?: JsonObject, ceremonyId?: string): Promise<{ ceremony: string; path: string; hash: string }>;
  append(ceremony: string, kind: string, data: JsonObject, attestations?: Attestation[]): Promise<AppendResult>;
  /** Writes the closing entry; `outcome: 'completed'` requires every ceremony step before it. */
  close(ceremony: string, outcome: 'completed' | 'abandoned', data?: JsonObject): Promise<{ finalHash: string; path: string }>;
  receipts(ceremony: string): Receipt[];
  pathOf(ceremony: string): string;
  ceremonyKeyFingerprint(): string;
}

/** Far above a ceremony's few hundred entries of a few kilobytes; a file past either is refused unread. */
export const MAX_TRANSCRIPT_BYTES = 16 * 2 ** 20;
const MAX_TRANSCRIPT_LINES = 50_000;

export function verifyTranscriptFile(file: string, options: VerifyOptions = {}): VerifyResult {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFileLinesSync(file, { maxBytes: MAX_TRANSCRIPT_BYTES, maxLines: MAX_TRANSCRIPT_LINES });
  } catch (e) {
    const f = e instanceof BoundedReadError ? e.failure : ({ kind: 'unreadable', code: (e as NodeJS.ErrnoException).code ?? 'error' } as const);
    if (f.kind === 'not-a-file') throw new KeyholderError('transcript.not_a_file', `${file} is not a transcript: it is not a regular file (a folder, a device or a pipe).`);
    if (f.kind === 'too-large') throw new KeyholderError('transcript.too_large', `${file} is larger than any ceremony transcript (over ${MAX_TRANSCRIPT_BYTES / 2 ** 20} MiB): it is not one.`);
    if (f.kind === 'too-many-lines') throw new KeyholderError('transcript.too_large', `${file} has more than ${MAX_TRANSCRIPT_LINES} lines, more than any ceremony transcript: it is not one.`);
    throw new KeyholderError('transcript.unreadable', `The transcript ${file} cannot be read (${f.kind === 'missing' ? 'ENOENT' : f.code}). Check the path.`);
  }
  return verifyTranscript(bytes, ed25519Verify, options);
}

export function createTranscriptService(opts: {
  dataDir: string;
  clock: Clock;
  key: () => CeremonyKey;
  /** The other workstations' receipts (verified, kept apart): they satisfy what a step needs first, never written here. */
  others?: () => Receipt[];
}): TranscriptService {
  const others = () => opts.others?.() ?? [];
  const dir = path.join(opts.dataDir, 'transcripts');
  const queues = new Map<string, Promise<unknown>>();

  const pathOf = (ceremony: string) => {
    if (!ceremonyIdSchema.safeParse(ceremony).success) throw new KeyholderError('transcript.bad_ceremony_id', `"${ceremony}" is not a ceremony ID.`);
    return path.join(dir, `${ceremony}.jsonl`);
  };

  /** One writer at a time per ceremony, so two appends never take the same sequence number. */
  function serial<T>(ceremony: string, fn: () => T): Promise<T> {
    const prev = queues.get(ceremony) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    queues.set(ceremony, next.catch(() => undefined));
    return next;
  }

  function readOpen(ceremony: string): { lines: string[]; entries: TranscriptEntry[] } {
    const file = pathOf(ceremony);
    if (!existsSync(file)) throw new KeyholderError('transcript.not_found', `There is no transcript for ceremony ${ceremony} on this workstation.`);
    const bytes = readFileSync(file);
    const result = verifyTranscript(new Uint8Array(bytes), ed25519Verify, { allowOpen: true });
    if (result.ok) throw new KeyholderError('transcript.closed', `The transcript of ceremony ${ceremony} is closed: nothing more can be recorded in it.`);
    if (result.fault.reason !== 'not-closed') {
      throw new KeyholderError('transcript.tampered', `The transcript of ceremony ${ceremony} fails verification (${result.fault.reason} at line ${result.fault.line}: ${result.fault.message}). Nothing more is recorded until this is resolved.`, {
        line: result.fault.line,
        reason: result.fault.reason,
      });
    }
    const lines = bytes.toString('utf8').split('\n').slice(0, -1);
    const key = opts.key();
    const entries = lines.map((l) => JSON.parse(l) as TranscriptEntry);
    if (entries[0]!.signer !== key.publicKey) {
      throw new KeyholderError('transcript.other_workstation', `The transcript of ceremony ${ceremony} was started on another workstation; it can only be continued there.`);
    }
    return { lines, entries };
  }

  function writeLine(file: string, line: string, create: boolean): void {
    const fd = openSync(file, create ? 'wx' : 'a', 0o600);
    try {
      writeSync(fd, line + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  function appendNow(ceremony: string, kind: string, data: JsonObject, attestations?: Attestation[]): AppendResult {
    if (kind === OPENING_KIND) throw new KeyholderError('transcript.bad_entry', 'A ceremony is opened only once.');
    assertNoSecretFields(data);
    for (const a of attestations ?? []) {
      const key = fromBase64Url(a.key);
      const sig = fromBase64Url(a.sig);
      if (a.statement.ceremony !== ceremony || !key || !sig || !ed25519Verify(key, attestationSigningBytes(a.statement), sig)) {
        throw new KeyholderError('transcript.bad_attestation', `The ${a.role}'s signed statement from ${a.name} is not for this ceremony or does not verify; it was not recorded.`);
      }
    }
    const { lines, entries } = readOpen(ceremony);
    const receipts = entries.map((e) => ({ kind: e.kind, data: e.data }));
    const tableStep = CEREMONY_STEPS.find((s) => s.kind === kind && (s.holder === undefined || s.holder === data.holder) && (kind !== 'status.changed' || data.status === 'Available'));
    if (tableStep && kind !== CLOSING_KIND) assertStepMayStart(tableStep.id, receipts, others());
    const seq = entries.length;
    const { line } = signEntry(
      {
        v: 1,
        ceremony,
        seq,
        at: opts.clock.now().toISOString(),
        kind,
        data,
        ...(attestations?.length ? { attestations } : {}),
        prev: lineHash(lines[seq - 1]!),
        signer: opts.key().publicKey,
      },
      (m) => opts.key().sign(m),
    );
    writeLine(pathOf(ceremony), line, false);
    return { seq, hash: lineHash(line) };
  }

  return {
    pathOf,
    ceremonyKeyFingerprint: () => opts.key().fingerprint,
    async open(data = {}, ceremonyId) {
      const ceremony = ceremonyId ?? `ceremony-${randomUUID()}`;
      assertNoSecretFields(data);
      const file = pathOf(ceremony);
      if (existsSync(file)) throw new KeyholderError('transcript.exists', `A transcript for ceremony ${ceremony} already exists.`);
      mkdirSync(dir, { recursive: true });
      const key = opts.key();
      const { line } = signEntry(
        { v: 1, ceremony, seq: 0, at: opts.clock.now().toISOString(), kind: OPENING_KIND, data, prev: genesisHash(ceremony), signer: key.publicKey },
        (m) => key.sign(m),
      );
      writeLine(file, line, true);
      return { ceremony, path: file, hash: lineHash(line) };
    },
    append(ceremony, kind, data, attestations) {
      return serial(ceremony, () => appendNow(ceremony, kind, data, attestations));
    },
    close(ceremony, outcome, data = {}) {
      return serial(ceremony, () => {
        if (outcome === 'completed') assertStepMayStart('ceremony-closed', readOpen(ceremony).entries.map((e) => ({ kind: e.kind, data: e.data })), others());
        const { hash } = appendNow(ceremony, CLOSING_KIND, { ...data, outcome });
        return { finalHash: hash, path: pathOf(ceremony) };
      });
    },
    receipts(ceremony) {
      return readOpenOrClosed(pathOf(ceremony));
    },
  };
}

function readOpenOrClosed(file: string): Receipt[] {
  if (!existsSync(file)) return [];
  const r = verifyTranscriptFile(file, { allowOpen: true });
  if (!r.ok && r.fault.reason !== 'not-closed') {
    throw new KeyholderError('transcript.tampered', `The transcript ${file} fails verification (${r.fault.reason} at line ${r.fault.line}): its receipts cannot be trusted.`);
  }
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const e = JSON.parse(l) as TranscriptEntry;
      return { kind: e.kind, data: e.data };
    });
}
