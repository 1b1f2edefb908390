/**
 * The printed ceremony report says what a key holder can act on: no
 * "Primary key: —: not recorded", no placeholder final hash printed into the
 * verify command, no internal entry kinds, the check values once, and tables
 * that fit the page.
 */
import { describe, expect, it } from 'vitest';
import { ceremonyReportHtml, type ReportStep } from './report';
import { reportFromEntries } from './closing';

const FP = 'ab'.repeat(32);
const steps: ReportStep[] = [
  { seq: 0, kind: 'ceremony.opened', data: {} },
  { seq: 1, kind: 'key.generated', data: { fingerprint: FP, keyId: 'k1', modulusBits: 3072, checkValue: 'A1B2C3' } },
  { seq: 2, kind: 'ceremony.step-out-of-order', data: { step: 'activation.attested', reason: 'Supervised activation attested (holder 1) cannot start yet: first Vault registered with the vendor (holder 1).', entry: { holder: 1, participants: [{ name: 'Kim Keeper', role: 'keeper', keyFingerprint: 'cd'.repeat(16) }], checkValues: ['1111', '2222'] } } },
  { seq: 3, kind: 'activation.attested', data: { holder: 2, participants: [], checkValues: ['3333'] } },
];
const base = { ceremony: 'c-1', generatedAt: new Date('2026-12-06T12:00:00Z'), mode: 'live' as const, workstationKey: 'wk', transcriptFile: 't.jsonl', kdf: 'production' };

describe('ceremony report', () => {
  it('an open ceremony: no primary key placeholder, no final hash in the verify command, deviations in words', () => {
    const html = ceremonyReportHtml(reportFromEntries(steps, { ...base, finalHash: null }));
    expect(html).not.toMatch(/—: <strong>not recorded/);
    expect(html).toContain('the vendor has not added the primary key yet');
    expect(html).not.toContain('--final-hash');
    expect(html).toContain('None yet: the ceremony is not closed.');
    expect(html).not.toContain('ceremony.step-out-of-order');
    expect(html).toContain('Recorded out of order: Supervisor attested the activation');
    expect(html.match(/component check values/gi)).toHaveLength(1);
    expect(html).toContain('@page{size:A4');
    expect(html).toContain('table-layout:fixed');
  });

  it('a closed ceremony prints its final hash and the verify command with it', () => {
    const html = ceremonyReportHtml(reportFromEntries([...steps, { seq: 4, kind: 'status.changed', data: { status: 'Available', name: 'Primary', primaryKeyId: 'pk', checkedAt: '' } }], { ...base, finalHash: 'ef'.repeat(32) }));
    expect(html).toContain(`--final-hash ${'ef'.repeat(32)}`);
    expect(html).toContain('Primary: <strong>Available</strong>');
  });
});
