/**
 * Secrets at rest on the vendor side (issue 16): after submissions, the
 * reference control plane's state file holds no client secret; records are
 * sealed under a storage key kept apart from the state, bound to where they
 * are kept, and a restarted control plane still uses them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, setupEnvironment, startHarness, submit, type Harness } from './testing/harness';
import { FakeKeyStores } from './testing/fake-key-stores';

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});
const stateOf = (dir: string) => fs.readFileSync(path.join(dir, 'control-plane-state.json'), 'utf8');

describe('reference control plane: stored secrets are sealed', () => {
  it('neither client secret is readable in the state file, waiting or validated; a restart still checks the key stores', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cp-rest-'));
    const stores = new FakeKeyStores();
    const h = await startHarness({ dataDir, stores });
    open.push(h);
    const { holders, discovery } = await setupEnvironment(h, 'rest-a');
    expect((await submit(h, discovery, 'rest-a', holders[0])).status).toBe(201);
    const waiting = stateOf(dataDir);
    expect(waiting).not.toContain(holders[0].record.clientSecret);
    expect(waiting).toContain('"sealed": "A256GCM.');
    const second = await submit(h, discovery, 'rest-a', holders[1]);
    expect(second.json.validation.state).toBe('validated');
    const validated = stateOf(dataDir);
    for (const s of holders) expect(validated).not.toContain(s.record.clientSecret);
    // The storage key is not in the state file, and its own file is the owner's only.
    const keyFile = path.join(dataDir, 'storage-key.json');
    expect(validated).not.toContain(JSON.parse(fs.readFileSync(keyFile, 'utf8')).key);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    await h.close();
    open.splice(0);

    const again = await startHarness({ dataDir, stores });
    open.push(again);
    const check = await again.api('POST', '/admin/environments/rest-a/status-check', {}, ADMIN);
    expect(check.status).toBe(200);
    expect(JSON.stringify(check.json)).toMatch(/Available/);
  });

  it('a sealed record moved to the other holder, or opened with another storage key, is refused at start', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cp-rest-'));
    const stores = new FakeKeyStores();
    const h = await startHarness({ dataDir, stores });
    open.push(h);
    const { holders, discovery } = await setupEnvironment(h, 'rest-b');
    await submit(h, discovery, 'rest-b', holders[0]);
    await submit(h, discovery, 'rest-b', holders[1]);
    await h.close();
    open.splice(0);
    const file = path.join(dataDir, 'control-plane-state.json');
    const original = fs.readFileSync(file, 'utf8');
    const state = JSON.parse(original);
    const pk = state.environments['rest-b'].primaryKeys[0];
    [pk.records[1], pk.records[2]] = [pk.records[2], pk.records[1]];
    fs.writeFileSync(file, JSON.stringify(state));
    await expect(startHarness({ dataDir, stores })).rejects.toThrow(/cannot be opened with this storage key/);
    fs.writeFileSync(file, original);
    fs.writeFileSync(path.join(dataDir, 'storage-key.json'), JSON.stringify({ key: Buffer.alloc(32, 1).toString('base64url') }));
    await expect(startHarness({ dataDir, stores })).rejects.toThrow(/cannot be opened with this storage key/);
  });

  it('a key from KEYHOLDER_CP_STORAGE_KEY is used instead of a file beside the state', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cp-rest-'));
    const before = process.env.KEYHOLDER_CP_STORAGE_KEY;
    process.env.KEYHOLDER_CP_STORAGE_KEY = 'ab'.repeat(32);
    try {
      const h = await startHarness({ dataDir });
      open.push(h);
      const { holders, discovery } = await setupEnvironment(h, 'rest-c');
      await submit(h, discovery, 'rest-c', holders[0]);
      expect(fs.existsSync(path.join(dataDir, 'storage-key.json'))).toBe(false);
      expect(stateOf(dataDir)).not.toContain(holders[0].record.clientSecret);
    } finally {
      if (before === undefined) delete process.env.KEYHOLDER_CP_STORAGE_KEY;
      else process.env.KEYHOLDER_CP_STORAGE_KEY = before;
    }
  });
});
