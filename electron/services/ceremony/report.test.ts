/**
 * The printed ceremony report says what a key holder can act on: no
 * "Primary key: —: not recorded", no placeholder final hash printed into the
 * verify command, no internal entry kinds, the check values once, and tables
 * that fit the page.
 */
import { describe, expect, it } from 'vitest';
import { ceremonyReportHtml, type ReportStep } from './report';
import { reportFromEntries } from './closing';
import { DEVIATION_KINDS } from './ceremony-service';
import { ENTRY_WORDS } from '../../../shared/ceremony/entry-words';

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

  it('the primary key shows its last status with when it was received, also when that entry was recorded out of order', () => {
    const pending = { seq: 4, kind: 'status.changed', data: { status: 'Pending', name: 'Contoso primary', primaryKeyId: 'pk', checkedAt: '2026-12-06T13:01:00.000Z' } };
    const late = { seq: 5, kind: 'ceremony.step-out-of-order', data: { step: 'status.changed', reason: 'Key store status Available cannot start yet.', entry: { status: 'Available', name: 'Contoso primary', primaryKeyId: 'pk', checkedAt: '2026-12-06T13:08:36.000Z' } } };
    const r = reportFromEntries([...steps, pending, late], { ...base, finalHash: null });
    expect(r.primaryKey).toEqual({ name: 'Contoso primary', status: 'Available', receivedAt: '2026-12-06T13:08:36.000Z' });
    const html = ceremonyReportHtml(r);
    expect(html).toContain('Contoso primary: <strong>Available</strong>, received 6 Dec 2026, 13:08 UTC');
    expect(html).toContain('Recorded out of order: Primary key status received');
    // Without the vendor's check time, the time the entry was recorded.
    expect(reportFromEntries([{ seq: 0, kind: 'status.changed', at: '2026-12-07T09:30:00.000Z', data: { status: 'Available', name: '' } }], { ...base, finalHash: null }).primaryKey).toEqual({ name: 'Primary key', status: 'Available', receivedAt: '2026-12-07T09:30:00.000Z' });
  });

  it('a closed ceremony puts the final hash on its own line of the verify command, never the placeholder', () => {
    const html = ceremonyReportHtml(reportFromEntries(steps, { ...base, finalHash: 'ef'.repeat(32) }));
    expect(html).toContain(`keyholder transcript verify t.jsonl \\\n  --final-hash ${'ef'.repeat(32)}</div>`);
    expect(html).not.toContain('None yet');
  });

  it('every deviation kind the ceremony service writes has words', () => {
    for (const k of Object.values(DEVIATION_KINDS)) expect(ENTRY_WORDS[k], k).toBeTruthy();
  });

  it('text from the transcript is escaped, not markup', () => {
    const html = ceremonyReportHtml(reportFromEntries([{ seq: 0, kind: 'ceremony.step-out-of-order', data: { step: 'vault.imported', reason: '<img src=x onerror=alert(1)>', entry: { holder: 1, keyVersionId: '<b>kv</b>' } } }], { ...base, finalHash: null }));
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>kv');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
