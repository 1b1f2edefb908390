/**
 * Reading a file whose path a person or a page chose, without letting the
 * path hang or exhaust the process: only a regular file is read (never
 * `/dev/zero`, a FIFO with no writer, a socket or a folder), opened with
 * O_NONBLOCK so a FIFO cannot block the open, and never more than a cap.
 * Escrow files, transcripts and passphrase files all come through here.
 */
import { constants as fsConstants } from 'node:fs';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';

const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);

export type BoundedReadFailure = { kind: 'missing' } | { kind: 'not-a-file' } | { kind: 'too-large'; size: number } | { kind: 'too-many-lines'; lines: number } | { kind: 'unreadable'; code: string };

/** Thrown by the readers; callers turn it into their own KeyholderError with words for their file. */
export class BoundedReadError extends Error {
  constructor(readonly failure: BoundedReadFailure) {
    super(failure.kind);
  }
}

function failureOf(e: unknown): BoundedReadError {
  if (e instanceof BoundedReadError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  return new BoundedReadError(code === 'ENOENT' ? { kind: 'missing' } : code === 'EISDIR' ? { kind: 'not-a-file' } : { kind: 'unreadable', code });
}

/** The whole of a regular file of at most maxBytes. */
export async function readRegularFile(file: string, maxBytes: number): Promise<Uint8Array> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, OPEN_FLAGS);
    const st = await handle.stat();
    if (!st.isFile()) throw new BoundedReadError({ kind: 'not-a-file' });
    if (st.size > maxBytes) throw new BoundedReadError({ kind: 'too-large', size: st.size });
    // Read one byte past the size: a file that grows while read is cut at the cap, never followed without end.
    const out = Buffer.alloc(Math.min(st.size + 1, maxBytes + 1));
    let at = 0;
    while (at < out.length) {
      const { bytesRead } = await handle.read(out, at, out.length - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    if (at > maxBytes) throw new BoundedReadError({ kind: 'too-large', size: at });
    return new Uint8Array(out.buffer, out.byteOffset, at);
  } catch (e) {
    throw failureOf(e);
  } finally {
    await handle?.close();
  }
}

/**
 * A regular file read chunk by chunk, counting lines as it goes: it stops as
 * soon as the file passes maxBytes or maxLines, so a file of millions of
 * blank lines costs no more than the cap.
 */
export function readRegularFileLinesSync(file: string, o: { maxBytes: number; maxLines: number }): Uint8Array {
  let fd: number | undefined;
  try {
    fd = fsSync.openSync(file, OPEN_FLAGS);
    const st = fsSync.fstatSync(fd);
    if (!st.isFile()) throw new BoundedReadError({ kind: 'not-a-file' });
    if (st.size > o.maxBytes) throw new BoundedReadError({ kind: 'too-large', size: st.size });
    const out = Buffer.alloc(Math.min(st.size, o.maxBytes) + 1);
    let at = 0;
    let lines = 0;
    while (at < out.length) {
      const n = fsSync.readSync(fd, out, at, Math.min(64 * 1024, out.length - at), at);
      if (n === 0) break;
      for (let i = out.indexOf(0x0a, at); i !== -1 && i < at + n; i = out.indexOf(0x0a, i + 1)) {
        if (++lines > o.maxLines) throw new BoundedReadError({ kind: 'too-many-lines', lines });
      }
      at += n;
    }
    if (at > o.maxBytes) throw new BoundedReadError({ kind: 'too-large', size: at });
    return new Uint8Array(out.buffer, out.byteOffset, at);
  } catch (e) {
    throw failureOf(e);
  } finally {
    if (fd !== undefined) fsSync.closeSync(fd);
  }
}

/**
 * The first line of a regular file (OpenSSL's `-passin file:` convention),
 * read only up to the first line break: `null` when the line is longer
 * than maxBytes. Nothing after the line break is read.
 */
export function readFirstLineSync(file: string, maxBytes: number): string | null {
  let fd: number | undefined;
  try {
    fd = fsSync.openSync(file, OPEN_FLAGS);
    if (!fsSync.fstatSync(fd).isFile()) throw new BoundedReadError({ kind: 'not-a-file' });
    const buf = Buffer.alloc(maxBytes + 2);
    let at = 0;
    while (at < buf.length) {
      const n = fsSync.readSync(fd, buf, at, buf.length - at, at);
      if (n === 0) break;
      at += n;
      if (buf.subarray(0, at).includes(0x0a)) break;
    }
    const nl = buf.subarray(0, at).indexOf(0x0a);
    let line = buf.subarray(0, nl === -1 ? at : nl);
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    const text = line.length > maxBytes ? null : line.toString('utf8');
    buf.fill(0);
    return text;
  } catch (e) {
    throw failureOf(e);
  } finally {
    if (fd !== undefined) fsSync.closeSync(fd);
  }
}
