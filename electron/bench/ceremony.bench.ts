/**
 * The whole two-holder ceremony, scripted (`keyholder rehearse`), against a
 * rehearsal cloud with the reference control plane: its wall time without the
 * deliberately slow passphrase work (scrypt at production cost, and the
 * zxcvbn strength check each new passphrase gets), which is reported apart,
 * step by step. Production KDF and a 3072-bit source key, as a real ceremony.
 * Then the same ceremony on AWS KMS key stores (`--provider aws-kms`: a
 * 256-bit key, two accounts of the rehearsal KMS), printed beside Azure's
 * with the ratio of the two wall times.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runRehearsal, type RehearsalResult } from '../ceremony-script/rehearsal-script';
import { requireAcceptablePassphrase } from '../../shared/escrow/policy';
import type { Bench } from './run';

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Azure's timings from the first bench, for the AWS bench's ratio (both run in this order, in one process). */
let azureTimings: RehearsalResult['timings'] | null = null;

export const benchmarks: Bench[] = [
  {
    name: 'whole two-holder ceremony (keyholder rehearse, production KDF, RSA 3072)',
    async run() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-bench-ceremony-'));
      try {
        const r = await runRehearsal({ outDir: path.join(dir, 'out'), modulusBits: 3072, pdf: null });
        azureTimings = r.timings;
        const t0 = performance.now();
        requireAcceptablePassphrase(`rehearsal-${'Qx7Lp2Vd9Kf3Zt8Wb4Nh6Jm1'}`, 'Carol Custodian', []);
        const strength = performance.now() - t0;
        const figures: Record<string, string | number> = {
          'wall time without passphrase work': s(r.timings.withoutPassphraseMs),
          'passphrase work (KDF + strength checks)': s(r.timings.passphraseMs),
          'one strength check (zxcvbn), for scale': s(strength),
          'total wall time': s(r.timings.totalMs),
        };
        for (const st of r.timings.steps) figures[`  ${st.step}`] = `${s(st.ms)} (+ ${s(st.passphraseMs)} passphrase work)`;
        figures['status'] = r.primaryKey.status;
        return figures;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'whole two-holder ceremony on AWS KMS (keyholder rehearse --provider aws-kms, production KDF, AES-256), beside Azure',
    async run() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-bench-ceremony-aws-'));
      try {
        const r = await runRehearsal({ outDir: path.join(dir, 'out'), provider: 'aws-kms', pdf: null });
        const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}× Azure's`;
        const figures: Record<string, string | number> = {
          'wall time without passphrase work': s(r.timings.withoutPassphraseMs),
          'passphrase work (KDF + strength checks)': s(r.timings.passphraseMs),
          'total wall time': s(r.timings.totalMs),
        };
        if (azureTimings) {
          figures['Azure wall time without passphrase work'] = s(azureTimings.withoutPassphraseMs);
          figures['AWS / Azure, without passphrase work'] = ratio(r.timings.withoutPassphraseMs, azureTimings.withoutPassphraseMs);
          figures['AWS / Azure, total'] = ratio(r.timings.totalMs, azureTimings.totalMs);
        }
        for (const st of r.timings.steps) figures[`  ${st.step}`] = `${s(st.ms)} (+ ${s(st.passphraseMs)} passphrase work)`;
        figures['status'] = r.primaryKey.status;
        return figures;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];
