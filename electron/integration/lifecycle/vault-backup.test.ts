/**
 * Vault-side backup from the lifecycle: the vault's own backup of holder 1's
 * key saved where the holder chooses, owner-only, recorded in the lifecycle
 * transcript, and really restorable (into another vault of the same tenant).
 * Also: pull and restore wait for Key Vault's delay (the harness runs the
 * rehearsal vault with a non-zero delay after delete and recover).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyClient, type KeyClientOptions } from '@azure/keyvault-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_NAME, startLifecycleHarness, type LifecycleHarness } from './harness';
import { VaultBackupService } from '../../services/lifecycle/vault-backup';
import type { KeyStoreLifecycleProvider } from '../../services/vault/provider';
import { silentLogger } from '../../services/log/logger';

let h: LifecycleHarness;
let out: string;
beforeAll(async () => {
  h = await startLifecycleHarness();
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-vault-backup-'));
}, 120_000);
afterAll(async () => {
  await h?.close();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

function service(o: { choose?: (name: string) => string | null; provider?: KeyStoreLifecycleProvider } = {}) {
  const calls = { backup: 0 };
  const base = o.provider ?? h.holders[0].provider;
  const counting = new Proxy(base, {
    get(t, p, r) {
      const v = Reflect.get(t, p, r) as unknown;
      if (typeof v !== 'function') return v;
      const f = (v as (...a: unknown[]) => unknown).bind(t);
      return p === 'backupKey'
        ? (...a: unknown[]) => {
            calls.backup += 1;
            return f(...a);
          }
        : f;
    },
  });
  const s = new VaultBackupService({
    dataDir: path.join(h.dir, 'holder1'),
    clock: h.clock,
    log: silentLogger,
    provider: () => counting,
    held: () => ({ ...h.held }),
    record: (kind, data) => h.lifecycle.record(kind, data),
    ...(o.choose ? { chooseSavePath: async (name: string) => o.choose!(name) } : {}),
  });
  return { s, calls };
}

function transcriptEntries(): { kind: string; data: Record<string, unknown> }[] {
  return fs
    .readFileSync(h.transcript.pathOf(h.lifecycle.transcriptId()!), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { kind: string; data: Record<string, unknown> });
}

describe('vault-side backup', () => {
  it('saves the vault’s backup where the holder chooses, 0600, recorded by its SHA-256; it restores into another vault of the tenant', async () => {
    let suggested = '';
    const target = path.join(out, 'chosen.keybackup');
    const { s } = service({ choose: (name) => ((suggested = name), target) });
    const r = await s.backUp();
    expect(suggested).toMatch(new RegExp(`^${h.holders[0].vaultName}-${KEY_NAME}-\\d{4}-\\d{2}-\\d{2}\\.keybackup$`));
    expect(r).toMatchObject({ saved: true, path: target, keyName: KEY_NAME });
    expect(r.note).toMatch(/same Azure subscription and geography.*does not replace the escrow/);
    const file = fs.readFileSync(target);
    expect(file.length).toBe(r.bytes);
    expect(crypto.createHash('sha256').update(file).digest('hex')).toBe(r.sha256);
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
    expect(file.toString('latin1')).not.toMatch(/PRIVATE KEY|contoso/);
    const entry = transcriptEntries().find((e) => e.kind === 'key-store.backed-up');
    expect(entry?.data).toMatchObject({ holder: 1, keyVersionId: h.held.keyVersionId, bytes: file.length, sha256: r.sha256 });
    // A real backup: it restores, with the same version, into another vault of the same tenant.
    const other = (await h.admin('/vaults', { name: 'backup-restore', tenantId: h.holders[0].tenantId })) as { url: string };
    const client = new KeyClient(other.url, h.holders[0].identity.credential(), { agent: h.agent } as KeyClientOptions);
    const restored = await client.restoreKeyBackup(file);
    expect(restored.name).toBe(KEY_NAME);
    expect(restored.id!.split('/').pop()).toBe(h.held.keyVersionId.split('/').pop());
  });

  it('replaces an existing file with an owner-only one', async () => {
    const target = path.join(out, 'existing.keybackup');
    fs.writeFileSync(target, 'old', { mode: 0o644 });
    fs.chmodSync(target, 0o644);
    await service({ choose: () => target }).s.backUp();
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(target, 'utf8')).not.toBe('old');
  });

  it('cancelled: nothing asked of the vault, nothing written', async () => {
    const { s, calls } = service({ choose: () => null });
    const before = transcriptEntries().length;
    await expect(s.backUp()).resolves.toMatchObject({ saved: false });
    expect(calls.backup).toBe(0);
    expect(transcriptEntries().length).toBe(before);
  });

  it('a folder that cannot be written: a clear error, no stray file, nothing recorded', async () => {
    const target = path.join(out, 'no-such-folder', 'x.keybackup');
    const before = transcriptEntries().length;
    await expect(service({ choose: () => target }).s.backUp()).rejects.toMatchObject({ code: 'lifecycle.backup_write_failed', message: expect.stringMatching(/Choose another folder/) });
    expect(fs.existsSync(path.dirname(target))).toBe(false);
    expect(transcriptEntries().length).toBe(before);
  });

  it('a key store without backups of its own: refused before asking where to save', async () => {
    let asked = false;
    const { backupKey: _omit, ...withoutBackup } = Object.fromEntries(
      Object.getOwnPropertyNames(Object.getPrototypeOf(h.holders[0].provider)).map((n) => [n, (h.holders[0].provider as unknown as Record<string, unknown>)[n]]),
    ) as Record<string, unknown>;
    const s = new VaultBackupService({
      dataDir: path.join(h.dir, 'holder1'),
      clock: h.clock,
      log: silentLogger,
      provider: () => withoutBackup as unknown as KeyStoreLifecycleProvider,
      held: () => ({ ...h.held }),
      record: async () => {},
      chooseSavePath: async () => ((asked = true), path.join(out, 'never.keybackup')),
    });
    await expect(s.backUp()).rejects.toMatchObject({ code: 'lifecycle.backup_unsupported' });
    expect(asked).toBe(false);
  });

  it('without a dialog (bridge, CLI) the file goes to the data folder’s exports, 0600', async () => {
    const r = await service().s.backUp();
    expect(r.path!.startsWith(path.join(h.dir, 'holder1', 'exports'))).toBe(true);
    expect(fs.statSync(r.path!).mode & 0o777).toBe(0o600);
  });
});

describe('pull and restore against Key Vault’s delay', () => {
  it('the pull waits until the deleted key is visible and the restore until every version is back', async () => {
    const c = await h.lifecycle.confirmationFor('pull');
    const pulled = await h.lifecycle.pull({ confirmation: c.text });
    // Read at once: without the poller's wait the deleted key would still be hidden (404).
    expect(await h.holders[0].provider.getDeletedKey({ location: h.holders[0].vaultUrl, keyName: KEY_NAME })).toMatchObject({ keyName: KEY_NAME });
    expect(pulled.deleted.scheduledPurgeDate).toBeTruthy();
    const restored = await h.lifecycle.restore({ confirmation: 'restore key store 1' });
    // Listed at once after the recover: a hidden key would list no versions.
    expect(restored.versions.length).toBeGreaterThan(0);
    expect(restored.allVersionsBack).toBe(true);
  });
});
