import { describe, expect, it } from 'vitest';
import { sha512 } from '@noble/hashes/sha2.js';
import { canonicalJson, toBase64Url } from './canonical';
import { CLOSING_KIND, OPENING_KIND, assertNoSecretFields, attestationSigningBytes, genesisHash, keyFingerprint, lineHash, signEntry, type VerifyFn } from './entry';
import { verifyTranscript } from './verify';

// A stand-in signature (SHA-512 of key and message) exercises the chain rules
// here; the Node-side tests use real Ed25519 for the same checks.
const fakeSign = (pub: Uint8Array) => (m: Uint8Array) => sha512(new Uint8Array([...pub, ...m]));
const fakeVerify: VerifyFn = (pub, m, s) => canonicalJson(Array.from(sha512(new Uint8Array([...pub, ...m])))) === canonicalJson(Array.from(s));

function build(ceremony: string, kinds: string[], pubByte = 1, close = true): string[] {
  const pub = new Uint8Array(32).fill(pubByte);
  const lines: string[] = [];
  const all = [OPENING_KIND, ...kinds, ...(close ? [CLOSING_KIND] : [])];
  all.forEach((kind, seq) => {
    const { line } = signEntry(
      { v: 1, ceremony, seq, at: '2026-11-27T10:00:00.000Z', kind, data: { n: seq }, prev: seq === 0 ? genesisHash(ceremony) : lineHash(lines[seq - 1]!), signer: toBase64Url(pub) },
      fakeSign(pub),
    );
    lines.push(line);
  });
  return lines;
}
const text = (lines: string[]) => lines.map((l) => l + '\n').join('');

describe('verifyTranscript', () => {
  const good = build('ceremony-a1', ['worksheet.saved', 'key.generated', 'escrow.written']);

  it('accepts an intact closed transcript and reports its final hash', () => {
    const r = verifyTranscript(text(good), fakeVerify);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.entries).toBe(5);
      expect(r.finalHash).toBe(lineHash(good[4]!));
      expect(r.signerFingerprint).toBe(keyFingerprint(new Uint8Array(32).fill(1)));
    }
  });

  it.each([
    ['edited', (l: string[]) => [l[0]!, l[1]!.replace('"n":1', '"n":7'), ...l.slice(2)], 2],
    ['edited', (l: string[]) => [l[0]!, l[1]!.replace('{', '{ '), ...l.slice(2)], 2],
    ['removed', (l: string[]) => [l[0]!, l[2]!, ...l.slice(3)], 2],
    ['removed', (l: string[]) => l.slice(1), 1],
    ['reordered', (l: string[]) => [l[0]!, l[2]!, l[1]!, ...l.slice(3)], 2],
    ['inserted', (l: string[]) => [l[0]!, l[1]!, l[1]!, ...l.slice(2)], 3],
    ['inserted', (l: string[]) => [...l, l[4]!], 6],
    ['inserted', (l: string[]) => [l[0]!, '', ...l.slice(1)], 2],
    ['not-closed', (l: string[]) => l.slice(0, 4), 5],
  ] as const)('reports %s at the first entry at fault', (reason, mutate, line) => {
    const r = verifyTranscript(text(mutate(good)), fakeVerify);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.fault).toMatchObject({ reason, line });
  });

  it('reports a splice from another ceremony, and from another workstation of the same ceremony', () => {
    const other = build('ceremony-b2', ['worksheet.saved', 'key.generated', 'escrow.written'], 2);
    const r = verifyTranscript(text([...good.slice(0, 2), ...other.slice(2)]), fakeVerify);
    expect(!r.ok && r.fault).toMatchObject({ reason: 'spliced', line: 3 });
    const sameIdOtherKey = build('ceremony-a1', ['worksheet.saved', 'key.generated', 'escrow.written'], 3);
    const r2 = verifyTranscript(text([...good.slice(0, 2), ...sameIdOtherKey.slice(2)]), fakeVerify);
    expect(!r2.ok && r2.fault).toMatchObject({ reason: 'spliced', line: 3 });
  });

  it('reports a chain rewritten without the key as a bad signature', () => {
    // Re-chain everything after an edit, as someone without the key would: the
    // links hold, but the edited entry's signature cannot be made.
    const pub = new Uint8Array(32).fill(1);
    const lines = [...good];
    const edited = JSON.parse(lines[1]!);
    edited.data = { n: 99 };
    lines[1] = canonicalJson(edited);
    for (let i = 2; i < lines.length; i++) {
      const e = JSON.parse(lines[i]!);
      e.prev = lineHash(lines[i - 1]!);
      delete e.sig;
      lines[i] = signEntry(e, fakeSign(pub)).line;
    }
    const r = verifyTranscript(text(lines), fakeVerify);
    expect(!r.ok && r.fault).toMatchObject({ reason: 'bad-signature', line: 2 });
  });

  it('checks anchors: final hash and workstation key', () => {
    const t = text(good);
    expect(verifyTranscript(t, fakeVerify, { expectedFinalHash: lineHash(good[4]!) }).ok).toBe(true);
    expect(verifyTranscript(t, fakeVerify, { expectedSigner: keyFingerprint(new Uint8Array(32).fill(1)) }).ok).toBe(true);
    const r = verifyTranscript(t, fakeVerify, { expectedFinalHash: '0'.repeat(64) });
    expect(!r.ok && r.fault.reason).toBe('anchor-mismatch');
    const r2 = verifyTranscript(t, fakeVerify, { expectedSigner: keyFingerprint(new Uint8Array(32).fill(9)) });
    expect(!r2.ok && r2.fault).toMatchObject({ reason: 'anchor-mismatch', line: 1 });
  });

  it('refuses a missing final line break, invalid UTF-8 and an empty file', () => {
    expect(verifyTranscript(text(good).slice(0, -1), fakeVerify)).toMatchObject({ ok: false, fault: { reason: 'edited', line: 5 } });
    const bytes = new TextEncoder().encode(text(good));
    bytes[10] = 0xff;
    expect(verifyTranscript(bytes, fakeVerify)).toMatchObject({ ok: false, fault: { reason: 'edited', line: 1 } });
    expect(verifyTranscript('', fakeVerify)).toMatchObject({ ok: false, fault: { reason: 'not-closed' } });
  });

  it('verifies attestations and refuses one made for another ceremony', () => {
    const pub = new Uint8Array(32).fill(1);
    const sup = new Uint8Array(32).fill(5);
    const make = (stmtCeremony: string, sigOver = stmtCeremony) => {
      const lines = build('ceremony-a1', [], 1, false);
      const statement = { ceremony: stmtCeremony, statement: 'attest' };
      const sig = fakeSign(sup)(attestationSigningBytes({ ...statement, ceremony: sigOver }));
      const att = { participant: 'p-sup', name: 'Sam', role: 'supervisor' as const, key: toBase64Url(sup), statement, sig: toBase64Url(sig) };
      for (const kind of ['activation.attested', CLOSING_KIND]) {
        const seq = lines.length;
        lines.push(
          signEntry(
            { v: 1, ceremony: 'ceremony-a1', seq, at: '2026-11-27T10:00:00.000Z', kind, data: {}, ...(kind === CLOSING_KIND ? {} : { attestations: [att] }), prev: lineHash(lines[seq - 1]!), signer: toBase64Url(pub) },
            fakeSign(pub),
          ).line,
        );
      }
      return text(lines);
    };
    expect(verifyTranscript(make('ceremony-a1'), fakeVerify).ok).toBe(true);
    expect(verifyTranscript(make('ceremony-zz'), fakeVerify)).toMatchObject({ ok: false, fault: { reason: 'spliced', line: 2 } });
    expect(verifyTranscript(make('ceremony-a1', 'ceremony-a2'), fakeVerify)).toMatchObject({ ok: false, fault: { reason: 'bad-signature', line: 2 } });
  });
});

describe('assertNoSecretFields', () => {
  it('refuses secret-looking keys at any depth and allows fingerprints', () => {
    expect(() => assertNoSecretFields({ fingerprint: 'ab', keyVersionId: 'x', participants: [{ name: 'A' }] })).not.toThrow();
    for (const bad of [{ passphrase: 'x' }, { a: [{ privateKey: 'x' }] }, { share: 'x' }, { clientSecret: 'x' }, { key: 'x' }]) {
      expect(() => assertNoSecretFields(bad)).toThrow(/secret material/);
    }
  });
});
