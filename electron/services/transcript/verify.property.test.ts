/**
 * Every single-byte change, every removed, duplicated or swapped line and
 * every splice of two transcripts is caught by verification, with real
 * Ed25519 signatures. Transcripts are small (5-12 entries) so a few hundred
 * runs stay quick.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { toBase64Url } from '../../../shared/transcript/canonical';
import { CLOSING_KIND, OPENING_KIND, genesisHash, lineHash, signEntry } from '../../../shared/transcript/entry';
import { verifyTranscript } from '../../../shared/transcript/verify';
import { ed25519Sign, ed25519Verify, rawPublicKey } from './ed25519';

const keys = [0, 1].map(() => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: toBase64Url(rawPublicKey(publicKey)) };
});

function build(ceremony: string, key: { privateKey: KeyObject; publicKey: string }, middle: { kind: string; n: number }[]): string {
  const lines: string[] = [];
  const all = [{ kind: OPENING_KIND, n: 0 }, ...middle, { kind: CLOSING_KIND, n: 0 }];
  all.forEach(({ kind, n }, seq) => {
    const at = new Date(Date.UTC(2026, 10, 27, 9, 0, seq)).toISOString();
    const prev = seq === 0 ? genesisHash(ceremony) : lineHash(lines[seq - 1]!);
    lines.push(signEntry({ v: 1, ceremony, seq, at, kind, data: { n, fingerprint: `fp-${n}` }, prev, signer: key.publicKey }, (m) => ed25519Sign(key.privateKey, m)).line);
  });
  return lines.map((l) => l + '\n').join('');
}

const middleArb = fc.array(fc.record({ kind: fc.constantFrom('worksheet.saved', 'key.generated', 'escrow.written', 'vault.imported', 'note.added'), n: fc.nat(1000) }), { minLength: 3, maxLength: 10 });
// Signing dominates the cost (Ed25519 in Node is ~0.5 ms here), so the
// transcripts are built once as a varied pool and the mutations vary per run.
const pool = fc
  .sample(fc.record({ id: fc.stringMatching(/^[a-z0-9]{8,12}$/), key: fc.constantFrom(0, 1), middle: middleArb }), { numRuns: 40, seed: 9 })
  .map(({ id, key, middle }, i) => build(`ceremony-${i}-${id}`, keys[key]!, middle));
const transcriptArb = fc.constantFrom(...pool);
const linesOf = (t: string) => t.split('\n').slice(0, -1);
const join = (ls: string[]) => ls.map((l) => l + '\n').join('');
const RUNS = { numRuns: 250 };

describe('transcript verification (property)', () => {
  it('accepts every intact transcript', () => {
    fc.assert(
      fc.property(transcriptArb, (t) => {
        expect(verifyTranscript(t, ed25519Verify).ok).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('detects every single-byte change, at the line holding the byte', () => {
    fc.assert(
      fc.property(transcriptArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (t, at, delta) => {
        const bytes = new Uint8Array(Buffer.from(t));
        const p = at % bytes.length;
        const line = 1 + bytes.subarray(0, p).filter((b) => b === 0x0a).length;
        bytes[p] = (bytes[p]! + delta) % 256;
        const r = verifyTranscript(bytes, ed25519Verify);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.fault.line).toBe(line);
      }),
      RUNS,
    );
  });

  it('detects every removed line', () => {
    fc.assert(
      fc.property(transcriptArb, fc.nat(), (t, i) => {
        const ls = linesOf(t);
        const k = i % ls.length;
        const r = verifyTranscript(join(ls.filter((_, j) => j !== k)), ed25519Verify);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.fault.reason).toBe(k === ls.length - 1 ? 'not-closed' : 'removed');
      }),
      RUNS,
    );
  });

  it('detects every duplicated line wherever the copy goes', () => {
    fc.assert(
      fc.property(transcriptArb, fc.nat(), fc.nat(), (t, i, j) => {
        const ls = linesOf(t);
        const from = i % ls.length;
        const to = j % (ls.length + 1);
        const out = [...ls.slice(0, to), ls[from]!, ...ls.slice(to)];
        const r = verifyTranscript(join(out), ed25519Verify);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.fault.reason).toBe('inserted');
      }),
      RUNS,
    );
  });

  it('detects every swap of two lines', () => {
    fc.assert(
      fc.property(transcriptArb, fc.nat(), fc.nat(), (t, i, j) => {
        const ls = linesOf(t);
        const a = i % ls.length;
        const b = j % ls.length;
        fc.pre(a !== b);
        [ls[a], ls[b]] = [ls[b]!, ls[a]!];
        const r = verifyTranscript(join(ls), ed25519Verify);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.fault).toMatchObject({ reason: 'reordered', line: Math.min(a, b) + 1 });
      }),
      RUNS,
    );
  });

  it('detects every splice of two transcripts', () => {
    fc.assert(
      fc.property(transcriptArb, transcriptArb, fc.nat(), fc.nat(), (t1, t2, i, j) => {
        const a = linesOf(t1);
        const b = linesOf(t2);
        fc.pre(a[0] !== b[0]);
        const cut1 = 1 + (i % a.length);
        const cut2 = j % b.length;
        const r = verifyTranscript(join([...a.slice(0, cut1), ...b.slice(cut2)]), ed25519Verify);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.fault.line).toBe(cut1 + 1);
      }),
      RUNS,
    );
  });
});
