import { describe, expect, it } from 'vitest';
import { emptyHolder } from './model';
import { printableHtml, REDACTED_TEXT } from './printable';

const base = {
  mode: 'live' as const,
  holders: {
    1: { ...emptyHolder(), vaultHost: 'kv1.vault.azure.net', secret: 'stored' as const },
    2: { ...emptyHolder(), vaultHost: '<script>x</script>.vault.azure.net', secret: 'none' as const },
  },
  issues: [],
  generatedAt: new Date('2026-11-27T10:00:00Z'),
};

describe('printableHtml', () => {
  it('redacts a stored secret unless it is explicitly included', () => {
    const html = printableHtml(base);
    expect(html).toContain(REDACTED_TEXT);
    expect(html).not.toContain('s3cr3t');
    expect(printableHtml({ ...base, secrets: { 1: 's3cr3t' } })).toContain('s3cr3t');
  });
  it('escapes values and carries no script', () => {
    const html = printableHtml(base);
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toMatch(/<script/i);
  });
  it('shows line numbers and the rehearsal mark only in rehearsal', () => {
    expect(printableHtml(base)).toContain('Line 4');
    expect(printableHtml(base)).not.toContain('REHEARSAL');
    expect(printableHtml({ ...base, mode: 'rehearsal' })).toContain('REHEARSAL');
  });
});
