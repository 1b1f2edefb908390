import { describe, expect, it } from 'vitest';
import { redact } from './redact';

describe('redact', () => {
  it('removes JWTs, bearer tokens, PEM blocks and URL queries', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJl';
    const text = `token ${jwt} Authorization: Bearer abc.def-ghi https://x.vault.azure.net/keys/k?api-version=7.5&sig=secret -----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----`;
    const out = redact(text);
    expect(out).not.toContain(jwt);
    expect(out).not.toContain('abc.def-ghi');
    expect(out).not.toContain('sig=secret');
    expect(out).not.toContain('MIIE');
    expect(out).toContain('https://x.vault.azure.net/keys/k');
  });

  it('removes secret-looking JSON fields and long base64 runs', () => {
    const out = redact('{"client_secret":"xCGRvvvQmKfqwTw[@a@qovRN_Nn72K46","d":"AAAA"} ' + 'A'.repeat(64));
    expect(out).not.toContain('xCGRvvv');
    expect(out).not.toContain('A'.repeat(64));
  });

  it('leaves ordinary text alone', () => {
    expect(redact('vault holder1.vault.azure.net imported key kh-1')).toBe('vault holder1.vault.azure.net imported key kh-1');
  });
});
