/**
 * Escrow figures: source-key generation per RSA size, the escrow KDF's time
 * and peak memory at the chosen parameters, the custodian PEM's KDF (in Node
 * and in the real openssl), and the attacker-cost ratio against Caché's
 * PBKDF2-HMAC-SHA256 at 65,536 iterations, measured side by side in one run.
 */
import crypto from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { argon2id } from '@noble/hashes/argon2.js';
import { CACHE_PBKDF2_ITERATIONS, describeScrypt, gpuGuessesPerSecond, PRODUCTION_KDF, scryptMemoryBytes, type ScryptCost } from '../../shared/escrow/kdf-profiles';
import { encryptedPkcs8Pem } from '../services/escrow/pem';

interface Bench {
  name: string;
  run(): Promise<Record<string, string | number>>;
}

const ms = (t0: number) => performance.now() - t0;
const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(0)} ms (min ${s[0]!.toFixed(0)}, max ${s.at(-1)!.toFixed(0)}, n=${s.length})`;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function scryptOnce(c: ScryptCost): number {
  const t0 = performance.now();
  crypto.scryptSync('correct horse battery staple', crypto.randomBytes(32), 32, { N: 2 ** c.log2N, r: c.r, p: c.p, maxmem: scryptMemoryBytes(c) * 2 + 2 ** 20 });
  return ms(t0);
}

/** Peak resident memory of a fresh Node process running one scrypt, minus an idle one. */
function peakRssMiB(c: ScryptCost | null): number {
  const code = c
    ? `require('crypto').scryptSync('x', Buffer.alloc(32), 32, { N: ${2 ** c.log2N}, r: ${c.r}, p: ${c.p}, maxmem: ${scryptMemoryBytes(c) * 2 + 2 ** 20} }); console.log(process.resourceUsage().maxRSS)`
    : `console.log(process.resourceUsage().maxRSS)`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  return Number(r.stdout.trim()) / 1024;
}

export const benchmarks: Bench[] = [
  {
    name: 'escrow: RSA source key generation',
    async run() {
      const out: Record<string, string> = {};
      for (const [bits, runs] of [[2048, 5], [3072, 3], [4096, 3]] as const) {
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now();
          crypto.generateKeyPairSync('rsa', { modulusLength: bits });
          times.push(ms(t0));
        }
        out[`RSA ${bits}`] = fmt(times);
      }
      return out;
    },
  },
  {
    name: 'escrow: KDF cost and attacker ratio vs Caché (PBKDF2-HMAC-SHA256, 65,536)',
    async run() {
      const e = PRODUCTION_KDF.escrow;
      const p = PRODUCTION_KDF.pem;
      const pb: number[] = [];
      const es: number[] = [];
      const pe: number[] = [];
      // Interleaved, so machine load affects all three alike.
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        for (let j = 0; j < 5; j++) crypto.pbkdf2Sync('correct horse battery staple', crypto.randomBytes(64), CACHE_PBKDF2_ITERATIONS, 32, 'sha256');
        pb.push(ms(t0) / 5);
        es.push(scryptOnce(e));
        pe.push(scryptOnce(p));
      }
      const idle = peakRssMiB(null);
      const escrowPeak = peakRssMiB(e) - idle;
      const pemPeak = peakRssMiB(p) - idle;
      const cache = gpuGuessesPerSecond({ kind: 'pbkdf2-sha256', iterations: CACHE_PBKDF2_ITERATIONS });
      const gE = gpuGuessesPerSecond({ kind: 'scrypt', cost: e });
      const gP = gpuGuessesPerSecond({ kind: 'scrypt', cost: p });
      const weakest = Math.max(gE, gP);
      return {
        'escrow KDF': `${describeScrypt(e)}: ${fmt(es)}, peak RSS +${escrowPeak.toFixed(0)} MiB`,
        'PEM KDF (Node)': `${describeScrypt(p)}: ${fmt(pe)}, peak RSS +${pemPeak.toFixed(0)} MiB`,
        'Caché PBKDF2': `PBKDF2-HMAC-SHA256 x ${CACHE_PBKDF2_ITERATIONS}: ${fmt(pb)}`,
        'CPU time ratio escrow/Caché': `${(median(es) / median(pb)).toFixed(0)}x (same machine, same run)`,
        'CPU time ratio PEM/Caché': `${(median(pe) / median(pb)).toFixed(0)}x`,
        'GPU model, guesses/s per GPU': `Caché ${cache.toFixed(0)}, escrow ${gE.toFixed(0)}, PEM ${gP.toFixed(0)}`,
        'GPU model ratio (weakest artifact vs Caché)': `${(cache / weakest).toFixed(0)}x harder (weakest: ${weakest === gE ? 'escrow file' : 'PEM'})`,
      };
    },
  },
  {
    name: 'escrow: custodian PEM opened by the real openssl, and the KDFs not chosen',
    async run() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-bench-'));
      try {
        const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
        const pass = 'violet-anchor-tundra-mosaic-lantern';
        let t0 = performance.now();
        fs.writeFileSync(path.join(dir, 'k.pem'), await encryptedPkcs8Pem(privateKey, pass, PRODUCTION_KDF.pem));
        const write = ms(t0);
        fs.writeFileSync(path.join(dir, 'p'), pass + '\n');
        const opens: number[] = [];
        for (let i = 0; i < 2; i++) {
          t0 = performance.now();
          execFileSync('openssl', ['pkey', '-in', path.join(dir, 'k.pem'), '-passin', `file:${path.join(dir, 'p')}`, '-noout']);
          opens.push(ms(t0));
        }
        t0 = performance.now();
        argon2id('correct horse battery staple', crypto.randomBytes(16), { m: 65536, t: 1, p: 1, dkLen: 32 });
        const argon = ms(t0);
        const n19 = scryptOnce({ log2N: 19, r: 8, p: 1 });
        return {
          'write PEM (Node)': `${write.toFixed(0)} ms`,
          'openssl pkey open': fmt(opens),
          'not chosen: @noble argon2id 64 MiB t=1': `${argon.toFixed(0)} ms (pure JS, blocks the event loop, 1/4 of the escrow memory)`,
          'not chosen: native scrypt N=2^19 r=8': `${n19.toFixed(0)} ms (512 MiB)`,
        };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];
