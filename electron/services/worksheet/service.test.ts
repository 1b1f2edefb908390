import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServices, type ServiceDeps } from '../index';
import { fixedClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import type { SecretBox } from '../platform/secret-box';
import type { HolderSave } from './service';
import { memorySecretBox } from '../platform/memory-secret-box';

/** A SecretBox that really encrypts (AES-256-GCM, key in memory), so "not in the file" means something. */
function testBox(available = true): SecretBox {
  return memorySecretBox({ available, reason: 'No OS keychain (test).' });
}

const SECRET1 = 'xCGRvvvQmKfqwTw[@a@qovRN_Nn72K46';
const SECRET2 = 'Zq8~other.secret_value-for-holder2';
let dir: string;
let emitted: unknown[];
let pdfHtml: string[];

function services(over: Partial<ServiceDeps> = {}) {
  return createServices({
    dataDir: dir,
    secretBox: testBox(),
    clock: fixedClock(new Date('2026-11-27T10:00:00Z')),
    log: silentLogger,
    environment: { mode: 'live', description: 'test' },
    appVersion: '0.0.0',
    emit: (e, p) => emitted.push([e, p]),
    pdf: {
      fromHtml: async (html) => {
        pdfHtml.push(html);
        return new TextEncoder().encode('%PDF-fake');
      },
    },
    ...over,
  });
}

function h1(secret: HolderSave['secret'] = { action: 'set', value: SECRET1 }): HolderSave {
  return {
    vaultHost: 'azurevault1.vault.azure.net',
    keyIdentifier: 'https://azurevault1.vault.azure.net/keys/ajubalaw-2/7668e37b63f6433fa285434f23a58b1b',
    clientId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    keyName: 'ajubalaw-2',
    secretCreatedOn: '2026-06-01',
    secretExpiresOn: '2027-06-01',
    secret,
  };
}
function h2(secret: HolderSave['secret'] = { action: 'set', value: SECRET2 }): HolderSave {
  return {
    ...h1(secret),
    vaultHost: 'azurevault2.vault.azure.net',
    keyIdentifier: 'https://azurevault2.vault.azure.net/keys/ajubalaw-2/0a1b2c3d4e5f60718293a4b5c6d7e8f9',
    clientId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
  };
}
const settingsFile = () => readFileSync(path.join(dir, 'settings.json'), 'utf8');

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kh-worksheet-'));
  emitted = [];
  pdfHtml = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('worksheet service', () => {
  it('saves both holders, seals the secrets, and finds everything again after a restart', async () => {
    const box = testBox();
    const saved = await services({ secretBox: box }).worksheet.save({ holder1: h1(), holder2: h2() });
    expect(saved.complete).toBe(true);
    expect(saved.issues).toEqual([]);
    expect(emitted).toEqual([['app:changed', { topic: 'worksheet' }]]);
    const again = await services({ secretBox: box }).worksheet.get();
    expect(again.holder1).toMatchObject({ vaultHost: 'azurevault1.vault.azure.net', secret: 'stored' });
    expect(again.holder2.secret).toBe('stored');
    expect(JSON.stringify(again)).not.toContain(SECRET1);
    expect(await services({ secretBox: box }).worksheet.revealSecret(2)).toBe(SECRET2);
  });

  it('never writes a client secret in plain text (nor base64 of it)', async () => {
    await services().worksheet.save({ holder1: h1(), holder2: h2() });
    const file = settingsFile();
    for (const s of [SECRET1, SECRET2]) {
      expect(file).not.toContain(s);
      expect(file).not.toContain(Buffer.from(s).toString('base64'));
    }
    expect(file).toContain('azurevault1.vault.azure.net');
  });

  it('keeps, replaces and clears a stored secret', async () => {
    const box = testBox();
    const s = services({ secretBox: box }).worksheet;
    await s.save({ holder1: h1(), holder2: h2() });
    await s.save({ holder1: h1({ action: 'keep' }), holder2: h2({ action: 'set', value: 'new-value~1' }) });
    expect(await s.revealSecret(1)).toBe(SECRET1);
    expect(await s.revealSecret(2)).toBe('new-value~1');
    const cleared = await s.save({ holder1: h1({ action: 'clear' }), holder2: h2({ action: 'keep' }) });
    expect(cleared.holder1.secret).toBe('none');
    expect(cleared.missing.holder1).toEqual(['clientSecret']);
    await expect(s.revealSecret(1)).rejects.toMatchObject({ code: 'worksheet.no_secret' });
  });

  it('without secure storage: refuses the secret with a clear notice and keeps every other field', async () => {
    const v = await services({ secretBox: testBox(false) }).worksheet.save({ holder1: h1(), holder2: h2() });
    expect(v.notices.filter((n) => n.code === 'worksheet.secret_not_saved').map((n) => n.holder)).toEqual([1, 2]);
    expect(v.notices[0]!.message).toContain('NOT saved');
    expect(v.secretStorage).toEqual({ available: false, reason: 'No OS keychain (test).' });
    expect(v.holder1.secret).toBe('none');
    expect(settingsFile()).not.toContain(SECRET1);
    expect((await services({ secretBox: testBox(false) }).worksheet.get()).holder1.clientId).toBe(h1().clientId);
  });

  it('a tampered sealed secret is reported unreadable, never returned', async () => {
    const box = testBox();
    await services({ secretBox: box }).worksheet.save({ holder1: h1(), holder2: h2() });
    const doc = JSON.parse(settingsFile());
    const sealed = Buffer.from(doc.worksheet.holder1.sealedSecret, 'base64');
    sealed[sealed.length - 1]! ^= 1;
    doc.worksheet.holder1.sealedSecret = sealed.toString('base64');
    writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(doc));
    const s = services({ secretBox: box }).worksheet;
    const v = await s.get();
    expect(v.holder1.secret).toBe('unreadable');
    expect(v.notices.map((n) => n.code)).toContain('worksheet.secret_unreadable');
    await expect(s.revealSecret(1)).rejects.toMatchObject({ code: 'worksheet.secret_unreadable' });
  });

  it('checks line 4 across holders with the stored secrets', async () => {
    const v = await services().worksheet.save({ holder1: h1(), holder2: h2({ action: 'set', value: SECRET1 }) });
    expect(v.issues.filter((i) => i.line === 4).map((i) => [i.holder, i.code])).toEqual([
      [1, 'same_as_other_holder'],
      [2, 'same_as_other_holder'],
    ]);
    expect(v.complete).toBe(false);
  });

  it('a damaged settings file is kept aside and the holder is told', async () => {
    writeFileSync(path.join(dir, 'settings.json'), '{ not json');
    const v = await services().worksheet.get();
    expect(v.notices[0]).toMatchObject({ code: 'storage.damaged' });
    expect(readFileSync(v.notices[0]!.keptAt!, 'utf8')).toBe('{ not json');
  });

  it('JSON export carries no secret', async () => {
    const s = services().worksheet;
    await s.save({ holder1: h1(), holder2: h2() });
    const r = await s.exportJson();
    expect(r.saved).toBe(true);
    const text = readFileSync((r as { path: string }).path, 'utf8');
    expect(text).not.toContain(SECRET1);
    expect(text).not.toContain(SECRET2);
    expect(JSON.parse(text).keyHolder1).toMatchObject({ line1_keyVaultDnsName: 'azurevault1.vault.azure.net', line4_clientSecret: 'not exported (kept secret)' });
  });

  it('PDF export redacts the secret unless explicitly included', async () => {
    const s = services().worksheet;
    await s.save({ holder1: h1(), holder2: h2() });
    const plain = await s.exportPdf(false);
    expect(pdfHtml[0]).not.toContain(SECRET1);
    expect(pdfHtml[0]).toContain('Not printed');
    expect((plain as { path: string }).path).toMatch(/worksheet-2026-11-27\.pdf$/);
    const withSecret = await s.exportPdf(true);
    expect(pdfHtml[1]).toContain(SECRET2);
    expect((withSecret as { path: string }).path).toMatch(/WITH-SECRETS\.pdf$/);
  });

  it('every export is readable by its owner only (0600), also when it replaces a file chosen in the save dialog', async () => {
    const existing = path.join(dir, 'chosen-WITH-SECRETS.pdf');
    writeFileSync(existing, 'old', { mode: 0o644 });
    chmodSync(existing, 0o644);
    const s = services({ chooseSavePath: async (name) => (name.includes('WITH-SECRETS') ? existing : path.join(dir, name)) }).worksheet;
    await s.save({ holder1: h1(), holder2: h2() });
    for (const r of [await s.exportJson(), await s.exportPdf(false), await s.exportPdf(true)]) {
      expect(statSync((r as { path: string }).path).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(existing, 'utf8')).toBe('%PDF-fake');
  });

  it('says clearly when PDF export is not available, and honours a cancelled save dialog', async () => {
    const s = services({ pdf: undefined, chooseSavePath: async () => null }).worksheet;
    await expect(s.exportPdf(false)).rejects.toMatchObject({ code: 'worksheet.pdf_unavailable' });
    expect(await s.exportJson()).toEqual({ saved: false });
  });
});
