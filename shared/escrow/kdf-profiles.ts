/**
 * KDF parameters, chosen by measurement on the target machines (2 cores;
 * see docs/formats/escrow-v1.md and `npm run bench`), and the attacker-cost
 * model used to compare every passphrase-protected artifact.
 *
 * Escrow file: native scrypt N=2^18, r=8, p=1 (256 MiB, about 1 s here).
 * Argon2id exists only as pure JavaScript on Node 20 (@noble/hashes): 64 MiB
 * at t=1 took as long as scrypt at 256 MiB, and it blocks the event loop;
 * native scrypt runs on libuv's pool with four times the memory per guess.
 * N=2^19 took about 3 s (over the 2 s budget).
 *
 * OpenSSL PEM: stock OpenSSL caps scrypt at N=2^14, r=8 (about 16 MiB), so p
 * carries the cost: p=32 makes it about as slow to open as the escrow file
 * and, by the bandwidth model below, at least as costly per guess.
 */
export interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
}

export interface KdfProfile {
  name: string;
  escrow: ScryptCost;
  pem: ScryptCost;
}

export const PRODUCTION_KDF: KdfProfile = {
  name: 'production',
  escrow: { log2N: 18, r: 8, p: 1 },
  pem: { log2N: 14, r: 8, p: 32 },
};

/** For tests only: cheap enough for thousands of files. Never reachable from the app's UI. */
export const TEST_KDF: KdfProfile = {
  name: 'test-insecure',
  escrow: { log2N: 10, r: 8, p: 1 },
  pem: { log2N: 10, r: 8, p: 1 },
};

/** The largest memory a file may ask for (so a hostile file cannot exhaust the machine). */
export const MAX_SCRYPT_MEMORY = 1024 * 1024 * 1024;

export function scryptMemoryBytes(c: ScryptCost): number {
  return 128 * c.r * 2 ** c.log2N;
}

/**
 * Guesses per second one high-end GPU manages, by Steve Thomas's
 * bandwidth model ("minimum password settings", tobtu.com): 10 kH/s at
 * PBKDF2-HMAC-SHA256 with 600,000 iterations, or scrypt with N*r*p = 600,000.
 * A model, not a measurement: it ranks artifacts, it does not promise times.
 */
export function gpuGuessesPerSecond(kdf: { kind: 'scrypt'; cost: ScryptCost } | { kind: 'pbkdf2-sha256'; iterations: number }): number {
  const work = kdf.kind === 'scrypt' ? 2 ** kdf.cost.log2N * kdf.cost.r * kdf.cost.p : kdf.iterations;
  return (10_000 * 600_000) / work;
}

/** Caché's key-file KDF, the comparison the seed documents give (PBKDF2, 65,536 iterations). */
export const CACHE_PBKDF2_ITERATIONS = 65_536;

export function describeScrypt(c: ScryptCost): string {
  return `scrypt N=2^${c.log2N}, r=${c.r}, p=${c.p} (${Math.round(scryptMemoryBytes(c) / 2 ** 20)} MiB)`;
}
