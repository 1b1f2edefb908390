/**
 * The whole two-holder ceremony, scripted (`keyholder rehearse`), against a
 * rehearsal cloud with the reference control plane: its wall time without the
 * deliberately slow passphrase work (scrypt at production cost, and the
 * zxcvbn strength check each new passphrase gets), which is reported apart,
 * step by step. Production KDF and a 3072-bit source key, as a real ceremony.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runRehearsal } from '../ceremony-script/rehearsal-script';
import { requireAcceptablePassphrase } from '../../shared/escrow/policy';
import type { Bench } from './run';

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export const benchmarks: Bench[] = [
  {
    name: 'whole two-holder ceremony (keyholder rehearse, production KDF, RSA 3072)',
    async run() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-bench-ceremony-'));
      try {
        const r = await runRehearsal({ outDir: path.join(dir, 'out'), modulusBits: 3072, pdf: null });
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
];
