import { describe, expect, it, beforeEach } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixedClock } from '../platform/clock';
import { loadOrCreateCeremonyKey } from './ceremony-key';
import { createTranscriptService, verifyTranscriptFile } from './transcript-service';
import { testSecretBox } from './test-support';

describe('ceremony key', () => {
  it('is created once, sealed by the SecretBox, and reloaded to the same key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kh-ck-'));
    const box = testSecretBox();
    const a = loadOrCreateCeremonyKey(dir, box);
    const b = loadOrCreateCeremonyKey(dir, box);
    expect(b.publicKey).toBe(a.publicKey);
    const file = readFileSync(path.join(dir, 'ceremony-key.json'), 'utf8');
    expect(file).not.toMatch(/PRIVATE KEY|MC4CAQAw/); // no PEM or bare PKCS#8 DER prefix
    expect(() => loadOrCreateCeremonyKey(dir, testSecretBox())).toThrow(expect.objectContaining({ code: 'transcript.ceremony_key_unreadable' }));
  });
  it('fails closed without a SecretBox', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kh-ck-'));
    expect(() => loadOrCreateCeremonyKey(dir, testSecretBox(false))).toThrow(expect.objectContaining({ code: 'transcript.secret_box_unavailable' }));
  });
});

describe('transcript service', () => {
  let dir: string;
  let svc: ReturnType<typeof createTranscriptService>;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kh-tr-'));
    const key = loadOrCreateCeremonyKey(dir, testSecretBox());
    svc = createTranscriptService({ dataDir: dir, clock: fixedClock(new Date('2026-11-27T09:00:00Z')), key: () => key });
  });

  it('appends signed, chained entries and closes; the file verifies', async () => {
    const { ceremony, path: file } = await svc.open({ app: 'Key Holder' });
    await svc.append(ceremony, 'worksheet.saved', { holder: 1 });
    await svc.append(ceremony, 'worksheet.saved', { holder: 2 });
    await svc.append(ceremony, 'key.generated', { fingerprint: 'sha256:ab' });
    const { finalHash } = await svc.close(ceremony, 'abandoned', { note: 'rehearsal stopped' });
    const r = verifyTranscriptFile(file, { expectedFinalHash: finalHash, expectedSigner: svc.ceremonyKeyFingerprint() });
    expect(r).toMatchObject({ ok: true, entries: 5, ceremony });
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(6);
    await expect(svc.append(ceremony, 'escrow.written', {})).rejects.toMatchObject({ code: 'transcript.closed' });
  });

  it('serialises concurrent appends into one chain', async () => {
    const { ceremony, path: file } = await svc.open();
    await Promise.all(Array.from({ length: 8 }, (_, i) => svc.append(ceremony, 'note.added', { n: i })));
    await svc.close(ceremony, 'abandoned');
    expect(verifyTranscriptFile(file)).toMatchObject({ ok: true, entries: 10 });
  });

  it('refuses steps whose receipts are missing, and a completed close before the end', async () => {
    const { ceremony } = await svc.open();
    await expect(svc.append(ceremony, 'escrow.written', { file: 'x' })).rejects.toMatchObject({ code: 'ceremony.step_out_of_order' });
    await expect(svc.close(ceremony, 'completed')).rejects.toMatchObject({ code: 'ceremony.step_out_of_order' });
    expect(svc.receipts(ceremony).map((r) => r.kind)).toEqual(['ceremony.opened']);
  });

  it('refuses secrets in entries', async () => {
    const { ceremony } = await svc.open();
    await expect(svc.append(ceremony, 'note.added', { passphrase: 'hunter2' })).rejects.toMatchObject({ code: 'transcript.secret_field' });
  });

  it('refuses to append onto a tampered file', async () => {
    const { ceremony, path: file } = await svc.open();
    await svc.append(ceremony, 'note.added', { n: 1 });
    writeFileSync(file, readFileSync(file, 'utf8').replace('"n":1', '"n":2'));
    await expect(svc.append(ceremony, 'note.added', { n: 2 })).rejects.toMatchObject({ code: 'transcript.tampered', detail: { line: 2, reason: 'edited' } });
    appendFileSync(file, 'junk\n');
    expect(() => svc.receipts(ceremony)).toThrow(/fails verification/);
  });

  it('refuses to continue another workstation transcript', async () => {
    const { ceremony } = await svc.open();
    const other = loadOrCreateCeremonyKey(mkdtempSync(path.join(tmpdir(), 'kh-ck-')), testSecretBox());
    const svc2 = createTranscriptService({ dataDir: dir, clock: fixedClock(new Date()), key: () => other });
    await expect(svc2.append(ceremony, 'note.added', {})).rejects.toMatchObject({ code: 'transcript.other_workstation' });
  });
});
