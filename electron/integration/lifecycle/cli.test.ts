/**
 * `keyholder store …` on the real lifecycle service against the rehearsal
 * cloud: --json output, confirmations by explicit flag, and a one-line reason
 * with exit 1 when a guard refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLifecycleHarness, type LifecycleHarness } from './harness';
import { storeCommands, EXIT_OK, EXIT_REFUSED } from '../../cli/commands/store';
import { EXIT_USAGE } from '../../cli/command';
import type { CliIo } from '../../cli/io';

let h: LifecycleHarness;
beforeAll(async () => {
  h = await startLifecycleHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

function io(): CliIo & { outs: string[]; errs: string[] } {
  const outs: string[] = [];
  const errs: string[] = [];
  return { outs, errs, out: (l) => void outs.push(l), err: (l) => void errs.push(l), promptHidden: () => Promise.reject(new Error('no tty')), env: {}, cwd: process.cwd() };
}

async function run(verb: string, args: string[]) {
  const c = storeCommands(async () => h.lifecycle).find((x) => x.name === `store ${verb}`)!;
  const i = io();
  const code = await c.run(args, i);
  return { code, ...i };
}

describe('keyholder store', () => {
  it('status --json reports the key store and the vendor', async () => {
    const r = await run('status', ['--json']);
    expect(r.code).toBe(EXIT_OK);
    const j = JSON.parse(r.outs.join('\n'));
    expect(j.keyStore.state).toBe('Available');
    expect(j.vendor.status).toBe('Available');
    const text = await run('status', []);
    expect(text.outs.join('\n')).toContain('--confirm "revoke key store 1, documents depend on key store 2 alone"');
  });

  it('revoke without --confirm or with the wrong words: exit 1, one line, nothing changed', async () => {
    for (const args of [[], ['--confirm', 'yes']]) {
      const r = await run('revoke', args);
      expect(r.code).toBe(EXIT_REFUSED);
      expect(r.errs).toHaveLength(1);
      expect(r.errs[0]).toMatch(/^keyholder store revoke: (store\.confirmation_required|lifecycle\.confirmation_mismatch): /);
    }
    expect((await run('status', ['--json'])).outs.join('')).toContain('"state": "Available"');
    expect((await run('revoke', ['--bogus'])).code).toBe(EXIT_USAGE);
  });

  it('revoke, status Key Store 1 Revoked, unrevoke, Available', async () => {
    const r = await run('revoke', ['--confirm', 'revoke key store 1, documents depend on key store 2 alone', '--json']);
    expect(r.code).toBe(EXIT_OK);
    expect(JSON.parse(r.outs.join('\n')).keyStore.state).toBe('Revoked');
    expect(JSON.parse((await run('status', ['--json'])).outs.join('\n')).vendor.status).toBe('Key Store 1 Revoked');
    expect((await run('unrevoke', ['--confirm', 'unrevoke key store 1'])).code).toBe(EXIT_OK);
    expect(JSON.parse((await run('status', ['--json'])).outs.join('\n')).vendor.status).toBe('Available');
  });

  it('the last key store without a quorum: exit 1 with the reason', async () => {
    await h.admin('/keys/disable', { vault: h.holders[1].vaultName, name: 'contoso-cmek' });
    try {
      const r = await run('revoke', ['--confirm', 'revoke key store 1, stop all encryption and decryption', '--reason', 'incident 77 in the vendor tenant']);
      expect(r.code).toBe(EXIT_REFUSED);
      expect(r.errs[0]).toMatch(/lifecycle\.quorum_incomplete: 0 of the 2/);
    } finally {
      await h.admin('/keys/enable', { vault: h.holders[1].vaultName, name: 'contoso-cmek' });
    }
  });

  it('restore with nothing pulled: exit 1 with the reason', async () => {
    const r = await run('restore', ['--confirm', 'restore key store 1']);
    expect(r.code).toBe(EXIT_REFUSED);
    expect(r.errs[0]).toMatch(/lifecycle\.nothing_to_restore/);
  });
});
