/**
 * escrow:inspect, what the inspector shows for a double-clicked .khescrow:
 * the header only, through dispatch (main's and the bridge's path), and
 * nothing but an absolute .khescrow path is read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../../services/index';
import { createHandlers } from './index';
import { dispatch } from '../dispatch';
import { silentLogger } from '../../services/log/logger';
import { systemClock } from '../../services/platform/clock';
import { testSecretBox } from '../../services/transcript/test-support';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';

const fixture = path.resolve(__dirname, '../../../docs/formats/vectors/fixtures/escrow-2of3.khescrow');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-inspect-'));
  dirs.push(dataDir);
  const s = createServices({ dataDir, secretBox: testSecretBox(), clock: systemClock, log: silentLogger, environment: { mode: 'rehearsal', description: 'test' }, appVersion: 'test', emit: () => {}, escrowKdf: TEST_KDF });
  const h = createHandlers(s);
  const copy = (name: string, bytes: Buffer) => {
    const p = path.join(dataDir, name);
    fs.writeFileSync(p, bytes);
    return p;
  };
  return { inspect: (file: string) => dispatch(h, 'escrow:inspect', { file }, silentLogger), copy };
}

describe('escrow:inspect', () => {
  it('shows the header of an escrow file: key, fingerprint, who must meet to restore', async () => {
    const { inspect, copy } = setup();
    const file = copy('ceremony escrow.khescrow', fs.readFileSync(fixture));
    const r = await inspect(file);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = r.value as { file: string; sha256: string; keys: { threshold: number; custodians: unknown[]; fingerprintGrouped: string; checkValue: string }[] };
    expect(v.file).toBe(file);
    expect(v.keys).toHaveLength(1);
    expect(v.keys[0]!.threshold).toBe(2);
    expect(v.keys[0]!.custodians).toHaveLength(3);
    expect(v.keys[0]!.fingerprintGrouped).toMatch(/^[0-9A-F]{4}( [0-9A-F]{4})+$/);
    // Nothing of the body (wrapped key, custodian wraps) comes back.
    expect(JSON.stringify(v)).not.toMatch(/privateKey|wraps|"salt"/);
  });

  it('refuses anything but an absolute path to a .khescrow file, without reading it', async () => {
    const { inspect, copy } = setup();
    const pem = copy('custodian-1.pem', Buffer.from('-----BEGIN ENCRYPTED PRIVATE KEY-----'));
    for (const file of [pem, 'escrow.khescrow', '/etc/passwd']) {
      const r = await inspect(file);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('escrow.not_escrow');
    }
  });

  it('says so when a .khescrow is not an escrow file, is damaged, or is missing', async () => {
    const { inspect, copy } = setup();
    const notEscrow = await inspect(copy('notes.khescrow', Buffer.from('hello')));
    expect(!notEscrow.ok && notEscrow.error.code).toBe('escrow.not_escrow');
    const bytes = Buffer.from(fs.readFileSync(fixture));
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 40) ^ 0x01, bytes.length - 40);
    const damaged = await inspect(copy('tampered.khescrow', bytes));
    expect(!damaged.ok && damaged.error.code).toBe('escrow.damaged');
    const missing = await inspect(path.join(os.tmpdir(), 'kh-no-such-dir', 'gone.khescrow'));
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.message).not.toMatch(/ENOENT|at .*\.ts/);
  });
});
