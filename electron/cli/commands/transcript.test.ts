import { execFileSync } from 'node:child_process';
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

describe('keyholder transcript verify: anchored or not, bounded input (issue 16)', () => {
  it('a whole transcript re-signed by another key: exit 4 and NOT compared without anchors; exit 1 against the report’s anchors', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cli-tr-other-'));
    const key = loadOrCreateCeremonyKey(other, testSecretBox());
    const svc = createTranscriptService({ dataDir: other, clock: fixedClock(new Date('2026-11-27T10:00:00Z')), key: () => key });
    const { ceremony } = await svc.open({ app: 'Key Holder' });
    await svc.append(ceremony, 'worksheet.saved', { holder: 1 });
    const { path: forged } = await svc.close(ceremony, 'abandoned');
    const plain = fakeIo();
    expect(await main(['transcript', 'verify', forged], plain.io)).toBe(4);
    expect(plain.out.join('\n')).not.toMatch(/^Intact and closed:/m);
    expect(plain.out.join('\n')).toMatch(/NOT compared/);
    const json = fakeIo();
    expect(await main(['transcript', 'verify', forged, '--json'], json.io)).toBe(4);
    expect(JSON.parse(json.out[0]!)).toMatchObject({ ok: true, anchored: false });
    expect(await main(['transcript', 'verify', forged, '--final-hash', finalHash], fakeIo().io)).toBe(1);
    expect(await main(['transcript', 'verify', forged, '--key', keyFp], fakeIo().io)).toBe(1);
    fs.rmSync(other, { recursive: true, force: true });
  });

  it('refuses /dev/zero unread (not a regular file), also inside a bundle; a folder is a bundle, and an empty one is refused', async () => {
    const one = fakeIo();
    expect(await main(['transcript', 'verify', '/dev/zero'], one.io)).toBe(1);
    expect(one.err.join('\n')).toMatch(/transcript\.not_a_file/);
    const two = fakeIo();
    expect(await main(['transcript', 'verify', '/dev/zero', file], two.io)).toBe(1);
    expect(two.out.join('\n')).toMatch(/zero: REFUSED: \/dev\/zero is not a regular file/);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cli-empty-'));
    const three = fakeIo();
    expect(await main(['transcript', 'verify', empty], three.io)).toBe(1);
    expect(three.err.join('\n')).toMatch(/bundle\.empty_folder/);
  });

  it.runIf(process.platform !== 'win32')('a FIFO with no writer is refused, not waited on', async () => {
    const fifo = path.join(dir, 'fifo.jsonl');
    execFileSync('mkfifo', [fifo]);
    const { io, err } = fakeIo();
    expect(await main(['transcript', 'verify', fifo], io)).toBe(1);
    expect(err.join('\n')).toMatch(/not a regular file/);
    fs.rmSync(fifo);
  });

  it('20 MiB of blank lines, and 1 MiB of them, are refused by the caps before any line is parsed', async () => {
    const big = path.join(dir, 'blank-20.jsonl');
    fs.writeFileSync(big, Buffer.alloc(20 * 2 ** 20, 0x0a));
    const a = fakeIo();
    expect(await main(['transcript', 'verify', big, '--json'], a.io)).toBe(1);
    expect(JSON.parse(a.out[0]!)).toMatchObject({ ok: false, code: 'transcript.too_large' });
    const many = path.join(dir, 'blank-1.jsonl');
    fs.writeFileSync(many, Buffer.alloc(2 ** 20, 0x0a));
    const b = fakeIo();
    expect(await main(['transcript', 'verify', many], b.io)).toBe(1);
    expect(b.err.join('\n')).toMatch(/more than 50000 lines/);
    fs.rmSync(big);
    fs.rmSync(many);
  });
});
