/**
 * `keyholder transcript verify` of a whole ceremony: the three workstations'
 * signed files (or a folder of them) are accepted when whole and anchored, and
 * refused with distinct statuses when one is tampered with (1) or left out (5).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main';
import type { CliIo } from '../io';
import { finish, threeWorkstations } from '../../services/ceremony/merge-test-support';

let dir: string;
let files: Record<string, string>;
let hashes: Record<string, string>;
beforeAll(async () => {
  const ws = await threeWorkstations();
  // The plans were exchanged (merge-test-support); each workstation exports its own signed file.
  hashes = await finish(ws);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cli-bundle-'));
  files = {};
  for (const w of ws.all) {
    const out = w.merged.exportOwn();
    files[w.label] = path.join(dir, out.name);
    fs.writeFileSync(files[w.label]!, out.text);
  }
});

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), promptHidden: () => Promise.reject(new Error('no terminal')), env: {}, cwd: dir };
  return { io, out, err, text: () => [...out, ...err].join('\n') };
}
const anchors = () => ['--final-hash', hashes['holder one']!, '--final-hash', hashes['holder two']!];
const copyOf = (names: string[], change?: (label: string, text: string) => string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cli-bundle-part-'));
  for (const n of names) fs.writeFileSync(path.join(d, path.basename(files[n]!)), change ? change(n, fs.readFileSync(files[n]!, 'utf8')) : fs.readFileSync(files[n]!));
  return d;
};

describe('keyholder transcript verify, a bundle of workstations’ files', () => {
  it('accepts the whole ceremony, from a folder or the files, anchored by the control plane’s final hashes', async () => {
    const a = fakeIo();
    expect(await main(['transcript', 'verify', dir, ...anchors()], a.io)).toBe(0);
    expect(a.out[0]).toMatch(/^The whole ceremony/);
    expect(a.text()).toContain('Holder copy written (holder 1): the custodians’ workstation (custodians desk)');
    expect(a.text()).toContain('Key imported into the vault (holder 2): key holder 2’s workstation (holder two)');
    const b = fakeIo();
    expect(await main(['transcript', 'verify', ...Object.values(files), ...anchors(), '--json'], b.io)).toBe(0);
    const j = JSON.parse(b.out[0]!);
    expect(j).toMatchObject({ outcome: 'accepted', faults: [], gaps: [], deviations: [], conflicts: [] });
    expect(j.files.filter((f: { anchored: boolean }) => f.anchored)).toHaveLength(2);
  });

  it('takes the final hashes from a records file', async () => {
    const records = path.join(dir, 'records.json');
    fs.writeFileSync(records, JSON.stringify({ records: [{ ceremonyId: 'x', finalHash: hashes['holder one'] }, { finalHash: hashes['holder two'] }] }));
    expect(await main(['transcript', 'verify', dir, '--records', records], fakeIo().io)).toBe(0);
  });

  it('without anything to compare with: exit 4', async () => {
    const r = fakeIo();
    expect(await main(['transcript', 'verify', dir], r.io)).toBe(4);
    expect(r.text()).toContain('NOT compared');
  });

  it('refuses with exit 1 when one file is tampered with (an entry, or the file’s label)', async () => {
    const entry = copyOf(Object.keys(files), (n, t) => (n === 'holder one' ? t.replace('registration.done', 'registration.dona') : t));
    const r = fakeIo();
    expect(await main(['transcript', 'verify', entry, ...anchors()], r.io)).toBe(1);
    expect(r.text()).toMatch(/REFUSED: The transcript file of "holder one" was changed after it was exported/);
    // An entry changed inside a bare transcript (no file signature): the chain catches it.
    const lines = JSON.parse(fs.readFileSync(files['holder two']!, 'utf8')).transcript as string;
    const bare = path.join(copyOf(['custodians desk', 'holder one']), 'holder2.jsonl');
    fs.writeFileSync(bare, lines.replace('"holder":2', '"holder":1'));
    const b = fakeIo();
    expect(await main(['transcript', 'verify', path.dirname(bare), ...anchors()], b.io)).toBe(1);
    expect(b.text()).toMatch(/fails verification \(edited/);
  });

  it('refuses with exit 5 when one workstation’s file is left out, naming it', async () => {
    for (const left of Object.keys(files)) {
      const r = fakeIo();
      const part = copyOf(Object.keys(files).filter((n) => n !== left));
      const code = await main(['transcript', 'verify', part, ...(left === 'holder one' ? ['--final-hash', hashes['holder two']!] : left === 'holder two' ? ['--final-hash', hashes['holder one']!] : anchors())], r.io);
      expect(code, left).toBe(5);
      expect(r.text()).toContain(`The transcript of workstation ${left}`);
      expect(r.text()).toContain('NOT accepted: the ceremony is incomplete');
    }
  });

  it('a final hash no file ends with is a fault (the control plane holds a transcript that is not here)', async () => {
    const r = fakeIo();
    expect(await main(['transcript', 'verify', dir, '--final-hash', 'a'.repeat(64)], r.io)).toBe(1);
    expect(r.text()).toContain(`Final hash ${'a'.repeat(64)} is not the final hash of any file given`);
  });

  it('says its exit statuses in --help', async () => {
    const r = fakeIo();
    expect(await main(['transcript', 'verify', '--help'], r.io)).toBe(0);
    expect(r.text()).toMatch(/5 {2}several files: a planned workstation’s file is left out/);
    expect(r.text()).toContain('--records FILE');
  });
});
