import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyEvent, requestRemoval, startCredentialRotation } from '../../../shared/expiry/credential-rotation';
import { fileCredentialRotationStore } from './credential-rotation-store';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-rot-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const start = () =>
  startCredentialRotation({ rotationId: 'rot-abc123', ceremony: 'c', holder: 'holder-1', appId: 'app', oldKeyId: 'old', requestedEndDateTime: '2027-11-27T00:00:00Z', now: new Date('2026-11-27T00:00:00Z') });

describe('rotation store', () => {
  it('reloads a rotation exactly where it stopped, with the overlap and any override intact', async () => {
    const store = fileCredentialRotationStore(dir);
    let s = start();
    s = applyEvent(s, { type: 'signed-in', account: 'h', at: '2026-11-27T00:00:00Z' });
    s = applyEvent(s, { type: 'password-added', keyId: 'new', displayName: 'keyholder-rotation-rot-abc123-1', endDateTime: '2027-11-27T00:00:00Z', at: '2026-11-27T00:01:00Z' });
    s = applyEvent(s, { type: 'submitted', requestId: 'r1', at: '2026-11-27T00:02:00Z' });
    s = applyEvent(s, { type: 'confirmed', at: '2026-11-27T01:00:00Z' });
    await store.save(s);
    const again = fileCredentialRotationStore(dir).load('rot-abc123')!;
    expect(again).toEqual(s);
    expect(() => requestRemoval(again, new Date('2026-11-27T12:00:00Z'))).toThrowError(expect.objectContaining({ code: 'rotation.overlap_not_over' }));
    const overridden = requestRemoval(again, new Date('2026-11-27T12:00:00Z'), 'Vendor confirmed all regions by phone, ticket 4711');
    await store.save(overridden);
    expect(fileCredentialRotationStore(dir).load('rot-abc123')!.override?.reason).toBe('Vendor confirmed all regions by phone, ticket 4711');
    expect(store.unfinished().map((r) => r.phase)).toEqual(['remove-old']);
  });

  it('never writes a secret field, and refuses a damaged or path-like id', async () => {
    const store = fileCredentialRotationStore(dir);
    await store.save(start());
    const text = fs.readFileSync(path.join(dir, 'expiry', 'rotations', 'rot-abc123.json'), 'utf8');
    expect(text).not.toMatch(/secretText|"secret"/);
    fs.writeFileSync(path.join(dir, 'expiry', 'rotations', 'rot-abc123.json'), '{"version":1,');
    expect(() => store.load('rot-abc123')).toThrowError(expect.objectContaining({ code: 'rotation.state_unreadable' }));
    expect(() => store.load('../../etc/passwd')).toThrowError(expect.objectContaining({ code: 'rotation.bad_id' }));
  });
});
