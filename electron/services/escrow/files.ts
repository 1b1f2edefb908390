/** File names and safe writes for escrow artifacts. Names identify the key, never reveal it. */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import { fingerprintFilePrefix } from '../../../shared/keys/fingerprint';
import { ESCROW_EXTENSION, MAX_ESCROW_BYTES } from '../../../shared/escrow/format';
import { BoundedReadError, readRegularFile } from '../platform/bounded-read';

function slug(label: string): string {
  const s = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return s || 'unnamed';
}

export const escrowFileName = (fp: string) => `escrow-${fingerprintFilePrefix(fp)}${ESCROW_EXTENSION}`;
export const pemFileName = (fp: string, index: number, name: string) => `escrow-${fingerprintFilePrefix(fp)}-custodian-${index}-${slug(name)}.pem`;
export const sheetFileName = (fp: string) => `restore-sheet-${fingerprintFilePrefix(fp)}.html`;
export const holderCopyFileName = (label: string, fp: string) => `holder-${slug(label)}-${fingerprintFilePrefix(fp)}${ESCROW_EXTENSION}`;
export const RECEIPT_FILE = 'restore-receipt.json';

export const sha256Hex = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

/** Writes a new file (never replaces one: an escrow that silently overwrote another could lose a key). */
export async function writeNew(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  try {
    await fs.writeFile(file, data, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new KeyholderError('escrow.file_exists', `${path.basename(file)} already exists in ${path.dirname(file)}. Key Holder never overwrites an escrow file; choose another folder.`);
    }
    throw new KeyholderError('escrow.write_failed', `Key Holder could not write ${path.basename(file)} (${(e as NodeJS.ErrnoException).code ?? 'error'}). Check the folder exists and is writable.`);
  }
}

/** Replaces a small state file atomically (write then rename), so a crash leaves the old or the new one. */
export async function writeAtomic(file: string, data: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, data, { mode: 0o600 });
  await fs.rename(tmp, file);
}

/**
 * Reads an escrow file whose path may come from the page. Only a regular
 * file of at most MAX_ESCROW_BYTES is read: `/dev/zero`, `/dev/urandom`, a
 * FIFO or a huge file would otherwise hang the Node side or exhaust its
 * memory before the parser could refuse it. O_NONBLOCK keeps opening a FIFO
 * from blocking until someone writes to it.
 */
export async function readEscrowBytes(file: string, maxBytes = MAX_ESCROW_BYTES): Promise<Uint8Array> {
  try {
    return await readRegularFile(file, maxBytes);
  } catch (e) {
    const f = e instanceof BoundedReadError ? e.failure : ({ kind: 'unreadable', code: (e as NodeJS.ErrnoException).code ?? 'error' } as const);
    if (f.kind === 'not-a-file') throw new KeyholderError('escrow.not_a_file', `${file} is not an escrow file (it is not a regular file).`);
    if (f.kind === 'too-large') throw new KeyholderError('escrow.damaged', `${path.basename(file)} is far larger than any escrow file (${f.size} bytes); it is not one.`);
    throw new KeyholderError('escrow.file_unreadable', f.kind === 'missing' ? `There is no file ${file}.` : `Key Holder could not read ${file} (${f.kind === 'unreadable' ? f.code : 'error'}).`);
  }
}
