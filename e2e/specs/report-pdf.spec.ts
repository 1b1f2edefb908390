/**
 * The printed ceremony report, read back from the PDF itself (pdfjs-dist) the
 * way a key holder reads the paper: no table runs past the page's right edge,
 * the primary key's last status with when it was received, steps in words
 * (never an internal kind such as `ceremony.step-out-of-order`), the open
 * ceremony's final-hash placeholder on one line and never in the verify
 * command, the closed ceremony's command with its hash, and the component
 * check values once. Each first page is rendered to a PNG to look at.
 */
import { test, expect } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { headlessPdf } from '../bridge/pdf';
import { ceremonyReportHtml, reportFromEntries, type ReportStep } from '../../electron/services/ceremony/index';
import { pdfLines, pdfPagePng, type PdfLine } from '../support/pdf-text';
import { SCREENSHOT_DIR } from '../support/fixtures';

const FP = '3f9a0c5e'.repeat(8);
const keyVersion = (h: 1 | 2) => `https://holder${h}-contoso-production-keys.vault.azure.net/keys/contoso-cmek-2026/0f1e2d3c4b5a69788796a5b4c3d2e1f${h}`;
const person = (name: string, role: string, byte: string) => ({ name, role, keyFingerprint: byte.repeat(32) });
const activation = (holder: 1 | 2) => ({
  holder,
  participants: [person('Olivia Operator', 'operator', 'a1'), person('Sam Supervisor-Whitfield', 'supervisor', 'b2'), person(`Kim Keeper ${holder}`, 'keeper', `c${holder}`), person(`Nina Knower ${holder}`, 'knower', `d${holder}`)],
  checkValues: [`${holder}1A2B3`, `${holder}4C5D6`],
});

/** A whole ceremony as the app records it, with one step recorded out of order and the vendor's status last. */
const ENTRIES: ReportStep[] = [
  { seq: 0, kind: 'ceremony.opened', data: {} },
  { seq: 1, kind: 'worksheet.saved', data: { holder: 1, vaultHost: 'holder1-contoso-production-keys.vault.azure.net', applicationId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' } },
  { seq: 2, kind: 'key.generated', data: { fingerprint: FP, keyId: 'k-1', modulusBits: 3072, checkValue: '9C41D2' } },
  { seq: 3, kind: 'escrow.written', data: { fingerprint: FP, escrowSha256: 'e'.repeat(64), custodians: ['Carol Custodian-Montgomery', 'Dan Custodian', 'Eve Custodian'], threshold: 2, weakestArtifact: 'custodian-2.pem' } },
  { seq: 4, kind: 'escrow.test-restored', data: { fingerprint: FP, verifiedBy: ['Carol Custodian-Montgomery', 'Dan Custodian'] } },
  { seq: 5, kind: 'holder-copy.written', data: { holder: 1, fingerprint: FP, file: 'holder-1-copy.khescrow', label: 'Key holder 1 - Jane Smith' } },
  {
    seq: 6,
    kind: 'ceremony.step-out-of-order',
    data: { step: 'activation.attested', reason: 'Supervised activation attested (holder 1) cannot start yet: first Vault registered with the vendor (holder 1).', entry: activation(1) },
  },
  { seq: 7, kind: 'registration.done', data: { holder: 1, registrationId: 'reg-7d1c', vaultDnsName: 'holder1-contoso-production-keys.vault.azure.net', status: 'Approved', decidedAt: '2026-12-06T12:40:00.000Z' } },
  { seq: 8, kind: 'vault.imported', data: { holder: 1, fingerprint: FP, keyVersionId: keyVersion(1), vault: 'holder1-contoso-production-keys.vault.azure.net' } },
  { seq: 9, kind: 'activation.attested', data: activation(2) },
  { seq: 10, kind: 'vault.imported', data: { holder: 2, fingerprint: FP, keyVersionId: keyVersion(2), vault: 'holder2-contoso-production-keys.vault.azure.net' } },
  { seq: 11, kind: 'submission.receipt', data: { holder: 1, submissionId: 'sub-0f1e2d3c4b5a69788796a5b4c3d2e1f0', envelopeSha256: 'f'.repeat(64), validation: 'accepted' } },
  { seq: 12, kind: 'submission.receipt', data: { holder: 2, submissionId: 'sub-1a2b3c4d5e6f70818293a4b5c6d7e8f9', envelopeSha256: 'f'.repeat(64), validation: 'accepted' } },
  { seq: 13, kind: 'status.changed', data: { status: 'Pending', name: 'Contoso primary', primaryKeyId: 'pk-1', checkedAt: '2026-12-06T13:01:00.000Z' } },
  { seq: 14, kind: 'status.changed', data: { status: 'Available', name: 'Contoso primary', primaryKeyId: 'pk-1', checkedAt: '2026-12-06T13:08:36.000Z' } },
];
const BASE = { ceremony: 'c-2026-12-06-0f1e2d3c', generatedAt: new Date('2026-12-06T13:15:00Z'), mode: 'live' as const, workstationKey: 'ed25519:' + '7'.repeat(64), transcriptFile: 'ceremony-c-2026-12-06-0f1e2d3c-holder-1-workstation.jsonl', kdf: 'production' };
const FINAL = '5e0d'.repeat(16);

const printer = headlessPdf();
test.afterAll(() => printer.close());

/** Prints the report as the bridge does, saves page 1 and the page with the final hash as PNGs to look at, and reads it back. */
async function printed(finalHash: string | null, shot: string): Promise<{ lines: PdfLine[]; text: string }> {
  const bytes = await printer.fromHtml(ceremonyReportHtml(reportFromEntries(ENTRIES, { ...BASE, finalHash })));
  const lines = await pdfLines(bytes);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  writeFileSync(path.join(SCREENSHOT_DIR, `report-pdf-${shot}-page1.png`), await pdfPagePng(bytes, 1));
  const hashPage = lines.find((l) => l.text.startsWith('Final hash'))?.page ?? 1;
  writeFileSync(path.join(SCREENSHOT_DIR, `report-pdf-${shot}-final-hash-page.png`), await pdfPagePng(bytes, hashPage));
  return { lines, text: lines.map((l) => l.text).join('\n') };
}

function everyLineInsideThePage(lines: PdfLine[]) {
  // A4 is 595 pt wide; the printer's margin is 12 mm (34 pt). Text past the margin was cut off the paper.
  const outside = lines.filter((l) => l.right > l.pageWidth - 30 || l.left < 0);
  expect(outside.map((l) => `page ${l.page}: ${l.text} (ends at ${Math.round(l.right)} of ${Math.round(l.pageWidth)} pt)`)).toEqual([]);
}

test('an open ceremony: tables inside the page, last status with its time, steps in words, placeholder on one line and not in a command', async () => {
  const { lines, text } = await printed(null, 'open');
  everyLineInsideThePage(lines);
  // The full key version identifiers are on the paper (wrapped inside their cell, not cut).
  expect(text.replace(/\n/g, '')).toContain(keyVersion(1));
  expect(text).toContain('Contoso primary: Available, received 6 Dec 2026, 13:08 UTC');
  expect(text).not.toMatch(/not recorded/);
  expect(text).not.toMatch(/ceremony\.step-|activation\.attested|status\.changed|submission\.receipt/);
  expect(text).toContain('Recorded out of order: Supervisor');
  // The placeholder is one line of prose beside its label, and no verify command carries it.
  expect(lines.some((l) => /Final hash None yet: the ceremony is not closed\.$/.test(l.text))).toBe(true);
  expect(text).not.toContain('--final-hash');
  expect(text.match(/component check values/gi)).toHaveLength(1);
});

test('a closed ceremony: the verify command with the final hash unbroken, inside the page', async () => {
  const { lines, text } = await printed(FINAL, 'closed');
  everyLineInsideThePage(lines);
  const command = lines.findIndex((l) => l.text.startsWith('keyholder transcript verify'));
  expect(command, text).toBeGreaterThan(-1);
  expect(lines[command]!.text).toBe(`keyholder transcript verify ${BASE.transcriptFile} \\`);
  expect(lines[command + 1]!.text).toBe(`--final-hash ${FINAL}`);
  expect(text).not.toContain('None yet');
});
