/**
 * `keyholder rehearse --provider aws-kms` end to end (fast KDF): the whole
 * two-holder ceremony on AWS KMS key stores in two accounts of the rehearsal
 * KMS, through the same orchestrator operations as Azure: an AES-256 key
 * escrowed and copied to holders, each holder's import inside a supervised
 * activation, the key policy shown and applied, both key stores registered
 * and submitted, the pair proven by the companion keys, status Available; the
 * transcript verifies, and no artifact holds a passphrase or key material.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../main';
import type { CliIo } from '../io';
import { parseEscrow } from '../../../shared/escrow/format';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-rehearse-aws-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function io(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), promptHidden: () => Promise.reject(new Error('no terminal')), env: {}, cwd: dir };
}

const ARN = /^arn:aws:kms:eu-west-2:(\d{12}):key\/[0-9a-f-]{36}$/;

describe('keyholder rehearse --provider aws-kms', () => {
  it('runs the whole ceremony on two AWS accounts to Available and prints both key ARNs', async () => {
    const a = io();
    const code = await main(['rehearse', '--out', 'aws', '--json', '--fast-kdf', '--no-pdf', '--provider', 'aws-kms'], a);
    expect(a.errors).toEqual([]);
    expect(code).toBe(0);
    expect(a.lines).toHaveLength(1);
    const r = JSON.parse(a.lines[0]!);
    expect(r.provider).toBe('aws-kms');
    expect(r.primaryKey.status).toBe('Available');
    const [k1, k2] = [r.aws.keyArns.holder1, r.aws.keyArns.holder2];
    expect(k1).toMatch(ARN);
    expect(k2).toMatch(ARN);
    // Dual party: two accounts.
    expect(ARN.exec(k1)![1]).not.toBe(ARN.exec(k2)![1]);
    expect(r.keyVersionIds).toEqual(r.aws.keyArns);
    expect(r.aws.companionKeyArns.holder1).toMatch(ARN);
    expect(r.aws.cacheMinutes).toBe(5);
    // The policy plan was shown: the vendor's role gains exactly the seed's four actions on the key.
    expect(r.aws.policy.join('\n')).toMatch(/kms:Decrypt, kms:DescribeKey, kms:Encrypt, kms:GenerateDataKey/);
    expect(r.artifacts.pemFiles).toEqual([]);

    const v = io();
    expect(await main(['transcript', 'verify', r.transcript, '--json', '--final-hash', r.finalHash], v)).toBe(0);
    const entries = fs
      .readFileSync(r.transcript, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; data: Record<string, unknown> });
    expect(entries.find((e) => e.kind === 'key.generated')!.data).toMatchObject({ keyType: 'AES', modulusBits: 256 });
    expect(entries.filter((e) => e.kind === 'worksheet.saved').map((e) => e.data.provider)).toEqual(['aws-kms', 'aws-kms']);
    expect(entries.filter((e) => e.kind === 'vault.imported').map((e) => e.data.keyVersionId)).toEqual([k1, k2]);
    expect(entries.filter((e) => e.kind === 'activation.attested')).toHaveLength(2);
    // The key policy's plan is in the signed record, as the app records it (the same ceremony operation).
    const policies = entries.filter((e) => e.kind === 'aws.key-policy-applied');
    expect(policies.map((e) => e.data.holder)).toEqual([1, 2]);
    for (const [i, k] of [k1, k2].entries()) {
      expect((policies[i]!.data.keys as Record<string, unknown>[])[0]).toMatchObject({ keyRole: 'encryption', keyArn: k, vendorActions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'], widened: [] });
      expect(policies[i]!.data.wideningConfirmed).toBe(false);
    }
    expect(entries.filter((e) => e.kind === 'registration.done').map((e) => e.data.vaultDnsName)).toEqual([k1.split(':').slice(0, 5).join(':'), k2.split(':').slice(0, 5).join(':')]);
    expect(entries.at(-1)!.kind).toBe('ceremony.closed');

    // The holder copies hold the AES key; nothing the ceremony wrote holds a passphrase.
    for (const f of r.artifacts.holderCopies) expect(parseEscrow(new Uint8Array(fs.readFileSync(f))).header.keys[0]).toMatchObject({ keyType: 'AES', environment: 'rehearsal' });
    const inputs = JSON.parse(fs.readFileSync(path.join(r.outDir, 'inputs', 'participants.json'), 'utf8'));
    const secrets: string[] = [inputs.supervisor.passphrase, inputs.holderCopyPassphrases.holder1.passphrase, inputs.holderCopyPassphrases.holder2.passphrase, ...inputs.custodians.map((c: { passphrase: string }) => c.passphrase)];
    for (const f of [r.transcript, r.report.html, r.artifacts.receipts, ...r.artifacts.worksheet]) {
      const text = fs.readFileSync(f, 'utf8');
      for (const s of secrets) expect(text, `${path.basename(f)} leaks a passphrase`).not.toContain(s);
    }
  }, 240_000);

  it('refuses an unknown provider and --bits with aws-kms', async () => {
    const a = io();
    expect(await main(['rehearse', '--out', 'x', '--provider', 'gcp'], a)).toBe(2);
    expect(a.errors.join('\n')).toMatch(/azure-key-vault or aws-kms/);
    const b = io();
    expect(await main(['rehearse', '--out', 'x', '--provider', 'aws-kms', '--bits', '2048'], b)).toBe(2);
    expect(b.errors.join('\n')).toMatch(/256-bit/);
  });
});
