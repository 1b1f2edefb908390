import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { headerCspFromIndexHtml } from './csp';

const meta = (csp: string) => `<meta http-equiv="Content-Security-Policy" content="${csp}" />`;

describe('headerCspFromIndexHtml', () => {
  it("takes the renderer's own policy and adds frame-ancestors", () => {
    const html = readFileSync(path.resolve(__dirname, '../../renderer/index.html'), 'utf8');
    const csp = headerCspFromIndexHtml(html);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp.endsWith("frame-ancestors 'none'")).toBe(true);
  });
  it('refuses a page without a policy or with one that allows more than the app', () => {
    expect(() => headerCspFromIndexHtml('<html></html>')).toThrow(/no Content-Security-Policy/);
    for (const bad of ["script-src 'self' 'unsafe-eval'", "script-src 'self' 'unsafe-inline'", "connect-src https://evil.example", 'img-src *']) {
      expect(() => headerCspFromIndexHtml(meta(`default-src 'none'; ${bad}`)), bad).toThrow(/allows more/);
    }
  });
});
