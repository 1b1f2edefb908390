/**
 * Which escrow file the operating system asked Key Holder to open: the
 * `.khescrow` path on the command line (Windows and Linux pass it as an
 * argument, to the first instance at start or to it through
 * 'second-instance'); macOS sends 'open-file' instead. Pure: main decides
 * what to show, this only reads arguments.
 */
import path from 'node:path';

const ESCROW_EXTENSION = '.khescrow';

export function isEscrowFileName(file: string): boolean {
  return file.toLowerCase().endsWith(ESCROW_EXTENSION) && path.basename(file).length > ESCROW_EXTENSION.length;
}

/**
 * The last `.khescrow` argument, absolute (relative to the directory the
 * launcher ran in), or null. Switches (`--tray`, Chromium's own) are never
 * taken for files, even if one ends in `.khescrow`.
 */
export function escrowFileFromArgv(argv: readonly string[], cwd: string): string | null {
  for (let i = argv.length - 1; i >= 1; i--) {
    const a = argv[i]!;
    if (a.startsWith('-')) continue;
    if (isEscrowFileName(a)) return path.resolve(cwd, a);
  }
  return null;
}
