/**
 * Writes a file only its owner can read (0600), also when it replaces an
 * existing file chosen in a save dialog (the mode given to open applies only
 * to a file it creates, so the mode is set again afterwards). For exports: a
 * worksheet may carry client secrets, and a ceremony report names the people.
 */
import { chmodSync, writeFileSync } from 'node:fs';

const PRIVATE_FILE_MODE = 0o600;

export function writePrivateFile(target: string, data: Uint8Array | string): void {
  writeFileSync(target, data, { mode: PRIVATE_FILE_MODE });
  chmodSync(target, PRIVATE_FILE_MODE);
}
