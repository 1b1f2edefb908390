import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main';
import type { CliIo } from '../io';
import { fixedClock } from '../../services/platform/clock';
import { loadOrCreateCeremonyKey } from '../../services/transcript/ceremony-key';
import { createTranscriptService } from '../../services/transcript/transcript-service';
import { testSecretBox } from '../../services/transcript/test-support';

let dir: string;
let file: string;
let finalHash: string;
let keyFp: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cli-tr-'));
  const key = loadOrCreateCeremonyKey(dir, testSecretBox());
  const svc = createTranscriptService({ dataDir: dir, clock: fixedClock(new Date('2026-11-27T10:00:00Z')), key: () => key });
  const { ceremony } = await svc.open({ app: 'Key Holder' });
  await svc.append(ceremony, 'worksheet.saved', { holder: 1 });
  await svc.append(ceremony, 'worksheet.saved', { holder: 2 });
  ({ finalHash, path: file } = await svc.close(ceremony, 'abandoned'));
  keyFp = key.fingerprint;
});

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), promptHidden: () => Promise.reject(new Error('no terminal')), env: {}, cwd: dir };
  return { io, out, err };
}

function copyWith(change: (lines: string[]) => string[]): string {
  const lines = fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);
  const p = path.join(dir, `t-${Math.random().toString(36).slice(2)}.jsonl`);
  fs.writeFileSync(p, change(lines).map((l) => l + '\n').join(''));
  return p;
}

describe('keyholder transcript verify', () => {
  it('intact and closed but compared with nothing: exit 4, says so, and prints the final hash to compare', async () => {
    const { io, out } = fakeIo();
    expect(await main(['transcript', 'verify', path.relative(dir, file)], io)).toBe(4);
    expect(out[0]).toMatch(/^Intact and closed, but NOT compared with the ceremony report/);
    expect(out.join('\n')).toContain(`Final hash: ${finalHash}`);
    expect(out.join('\n')).toContain(keyFp);
  });

  it('checks the anchors from the report', async () => {
    expect(await main(['transcript', 'verify', file, '--final-hash', finalHash, '--key', keyFp], fakeIo().io)).toBe(0);
    const { io, err } = fakeIo();
    expect(await main(['transcript', 'verify', file, '--final-hash', 'a'.repeat(64)], io)).toBe(1);
    expect(err.join('\n')).toMatch(/anchor-mismatch at line 4/);
  });

  it.each([
    ['edited', (l: string[]) => [l[0]!, l[1]!.replace('"holder":1', '"holder":3'), ...l.slice(2)], 2],
    ['removed', (l: string[]) => [l[0]!, ...l.slice(2)], 2],
    ['reordered', (l: string[]) => [l[0]!, l[2]!, l[1]!, l[3]!], 2],
    ['inserted', (l: string[]) => [l[0]!, l[1]!, l[1]!, ...l.slice(2)], 3],
    ['not-closed', (l: string[]) => l.slice(0, 3), 4],
  ])('exits 1 naming %s and the first entry at fault, as text and JSON', async (reason, change, line) => {
    const p = copyWith(change);
    const text = fakeIo();
    expect(await main(['transcript', 'verify', p], text.io)).toBe(1);
    expect(text.err[0]).toContain(`${reason} at line ${line}`);
    const json = fakeIo();
    expect(await main(['transcript', 'verify', p, '--json'], json.io)).toBe(1);
    expect(JSON.parse(json.out[0]!)).toMatchObject({ ok: false, fault: { reason, line } });
  });

  it('exits non-zero for a missing file and bad usage', async () => {
    const missing = fakeIo();
    expect(await main(['transcript', 'verify', 'nope.jsonl'], missing.io)).toBe(1);
    expect(missing.err[0]).toMatch(/transcript\.unreadable.*cannot be read/);
    expect(await main(['transcript', 'verify'], fakeIo().io)).toBe(2);
    expect(await main(['transcript', 'verify', file, '--final-hash', 'xyz'], fakeIo().io)).toBe(2);
    expect(await main(['transcript', 'verify', file, '--bogus'], fakeIo().io)).toBe(2);
  });
});
