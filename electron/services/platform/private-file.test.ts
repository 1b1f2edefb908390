/** Exports are written 0600 (issue 16: worksheet exports, including ...-WITH-SECRETS.pdf, were 0644). */
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createServices } from '../index';
import { fixedClock } from './clock';
import { silentLogger } from '../log/logger';
import { memorySecretBox } from './memory-secret-box';
import { writePrivateFile } from './private-file';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'kh-private-'));
  dirs.push(d);
  return d;
};
const mode = (f: string) => statSync(f).mode & 0o777;

describe('private files', () => {
  it('creates 0600 and narrows an existing 0644 file it replaces', () => {
    const d = tmp();
    writePrivateFile(path.join(d, 'new.pdf'), 'x');
    expect(mode(path.join(d, 'new.pdf'))).toBe(0o600);
    const old = path.join(d, 'old.pdf');
    writeFileSync(old, 'old');
    chmodSync(old, 0o644);
    writePrivateFile(old, 'new');
    expect(mode(old)).toBe(0o600);
  });

  it('the ceremony report export is 0600', async () => {
    const d = tmp();
    const s = createServices({ dataDir: d, secretBox: memorySecretBox({}), clock: fixedClock(new Date('2026-12-06T10:00:00Z')), log: silentLogger, environment: { mode: 'rehearsal', description: 't' }, appVersion: '0', emit: () => {} });
    const r = await s.ceremony.saveExport('ceremony-report-x.pdf', new TextEncoder().encode('%PDF'));
    expect(r.saved).toBe(true);
    expect(mode((r as { path: string }).path)).toBe(0o600);
  });
});
