/**
 * `keyholder rehearse --out DIR [--json] [--fast-kdf] [--no-pdf] [--bits N]
 * [--provider azure-key-vault|aws-kms]`: the whole two-holder ceremony,
 * headless, against a rehearsal cloud it starts under DIR/cloud (with the
 * reference control plane), on Azure Key Vault or AWS KMS key stores. DIR
 * receives every artifact; stdout gets one JSON line (fingerprint, key version
 * identifiers or key ARNs, status, transcript and final hash, timings per step
 * with the passphrase work apart). Progress goes to stderr unless --json.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runRehearsal } from '../../ceremony-script/rehearsal-script';
import type { CliCommand } from '../io';
import { defineCommand, usageError } from '../command';

/** Headless Chromium's print-to-PDF, when a Chromium is installed; otherwise the report stays HTML. */
function chromiumPdf(env: Record<string, string | undefined>): ((html: string) => Promise<Uint8Array>) | null {
  const exe = [env.KEYHOLDER_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
  if (!exe) return null;
  return async (html) => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
    try {
      const page = await browser.newPage({ javaScriptEnabled: false });
      await page.setContent(html, { waitUntil: 'load' });
      return new Uint8Array(await page.pdf({ format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } }));
    } finally {
      await browser.close();
    }
  };
}

const rehearseCommand: CliCommand = defineCommand(
  {
    name: 'rehearse',
    summary: 'Run the whole two-holder ceremony headless against a rehearsal cloud; artifacts to --out DIR',
    options: {
      out: { type: 'string', value: 'DIR', help: 'a new or empty folder for every artifact (required)' },
      'fast-kdf': { type: 'boolean', help: 'test-only passphrase KDF: a quick look, never for a real key' },
      'no-pdf': { type: 'boolean', help: 'leave the ceremony report as HTML (no Chromium needed)' },
      bits: { type: 'string', value: 'BITS', help: 'RSA modulus size: 2048, 3072 or 4096 (Azure Key Vault)' },
      provider: { type: 'string', value: 'KIND', help: 'the holders’ key stores: azure-key-vault (default, an RSA key) or aws-kms (a 256-bit key imported into each holder’s AWS account)' },
    },
    json: 'progress lines are left out of stderr; stdout always gets the one JSON line (fingerprint, key versions or, with aws-kms, both key ARNs under aws.keyArns, status, transcript, final hash, timings)',
    example: 'keyholder rehearse --out /tmp/ceremony --fast-kdf --provider aws-kms',
    exits: { 0: 'the ceremony completed; the JSON line is on stdout', 1: 'a step failed (the message names it)' },
  },
  async ({ values: v }, io) => {
    if (!v.out) return usageError(io, 'rehearse', 'give --out DIR, a new or empty folder for the ceremony’s artifacts.');
    const bits = v.bits === undefined ? undefined : Number(v.bits);
    if (bits !== undefined && bits !== 2048 && bits !== 3072 && bits !== 4096) return usageError(io, 'rehearse', '--bits must be 2048, 3072 or 4096.');
    const provider = v.provider ?? 'azure-key-vault';
    if (provider !== 'azure-key-vault' && provider !== 'aws-kms') return usageError(io, 'rehearse', '--provider must be azure-key-vault or aws-kms.');
    if (provider === 'aws-kms' && bits !== undefined) return usageError(io, 'rehearse', '--bits is the RSA size for Azure Key Vault; AWS KMS imports a 256-bit key.');
    const progress = v.json ? undefined : (l: string) => io.err(`rehearse: ${l}`);
    if (!v['fast-kdf']) progress?.('production KDF settings: each passphrase takes a second or more (use --fast-kdf for a quick look)');
    const result = await runRehearsal({
      outDir: path.resolve(io.cwd, v.out as string),
      fastKdf: !!v['fast-kdf'],
      ...(bits ? { modulusBits: bits } : {}),
      provider,
      pdf: v['no-pdf'] ? null : chromiumPdf(io.env),
      ...(progress ? { progress } : {}),
    });
    if (progress) {
      progress(`primary key "${result.primaryKey.name}" is ${result.primaryKey.status}`);
      progress(`transcript ${result.transcript} (final hash ${result.finalHash})`);
      progress(`report ${result.report.pdf ?? result.report.html}`);
      progress(`verify with: keyholder transcript verify ${result.transcript} --final-hash ${result.finalHash}`);
    }
    io.out(JSON.stringify(result));
    return 0;
  },
);

export const rehearseCommands: CliCommand[] = [rehearseCommand];
