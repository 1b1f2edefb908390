/**
 * The printable ceremony report: who took part in which role (with their
 * participant key fingerprints), every step the transcript recorded, the key's
 * fingerprint, the key version identifiers, and the transcript's final hash,
 * with signature lines. Self-contained HTML (no scripts, no remote content),
 * printed to PDF where a renderer is available. Identifiers only: the
 * transcript never holds a secret, so neither does this.
 */
import type { JsonObject } from '../../../shared/transcript/canonical';

export interface ReportStep {
  seq: number;
  kind: string;
  data: JsonObject;
}

export interface CeremonyReportInput {
  ceremony: string;
  generatedAt: Date;
  mode: 'rehearsal' | 'live';
  fingerprint: string;
  checkValue: string;
  keyVersionIds: Record<1 | 2, string>;
  /** The last status recorded, or null when the transcript records none (not added at the vendor yet). */
  primaryKey: { name: string; status: string } | null;
  /** Null while the ceremony is open. */
  finalHash: string | null;
  workstationKey: string;
  transcriptFile: string;
  custodians: string[];
  activations: { holder: 1 | 2; participants: { name: string; role: string; keyFingerprint: string }[]; checkValues: string[] }[];
  steps: ReportStep[];
  kdf: string;
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const group = (hex: string) => hex.match(/.{1,4}/g)?.join(' ') ?? hex;

const STEP_WORDS: Record<string, string> = {
  'ceremony.opened': 'Ceremony opened',
  'worksheet.saved': 'Azure Information Worksheet saved',
  'key.generated': 'Source key generated',
  'escrow.written': 'Escrow written',
  'escrow.test-restored': 'Escrow test-restored',
  'holder-copy.written': 'Key-holder copy written',
  'activation.joined': 'Participant joined the activation',
  'activation.attested': 'Supervisor attested the activation',
  'vault.imported': 'Key imported into the vault',
  'activation.completed': 'Activation completed, key material wiped',
  'registration.requested': 'Vault registration requested from the vendor',
  'registration.done': 'Vault registration confirmed by the vendor',
  'activation.cancelled': 'Activation cancelled',
  'ceremony.step-out-of-order': 'Recorded out of order',
  'ceremony.step-repeated': 'Recorded again (already done)',
  'ceremony.step-disputed': 'Recorded while the receipts disagree',
  'submission.receipt': 'Sealed submission received by the vendor',
  'status.changed': 'Primary key status',
  'ceremony.closed': 'Ceremony closed',
};

/** A step in words; a deviation names the step it carries, never an internal kind. */
function stepWords(s: ReportStep): string {
  const own = STEP_WORDS[s.kind];
  if (s.kind.startsWith('ceremony.step-')) return `${own ?? 'Deviation'}: ${STEP_WORDS[String(s.data.step)] ?? 'a ceremony step'}`;
  return own ?? 'Other recorded entry';
}

function summary(step: ReportStep): string {
  const inner = step.kind.startsWith('ceremony.step-') && step.data.entry && typeof step.data.entry === 'object' && !Array.isArray(step.data.entry) ? (step.data.entry as JsonObject) : null;
  const d = inner ?? step.data;
  const bits: string[] = [];
  if (d.holder !== undefined) bits.push(`key holder ${String(d.holder)}`);
  if (typeof d.fingerprint === 'string') bits.push(`fingerprint ${d.fingerprint.slice(0, 16)}…`);
  if (typeof d.keyVersionId === 'string') bits.push(d.keyVersionId);
  if (typeof d.submissionId === 'string') bits.push(`submission ${d.submissionId}`);
  if (typeof d.status === 'string') bits.push(d.status);
  if (typeof d.outcome === 'string') bits.push(d.outcome);
  if (inner && typeof step.data.reason === 'string') bits.push(step.data.reason);
  return bits.join(' · ');
}

export function ceremonyReportHtml(r: CeremonyReportInput): string {
  const people = new Map<string, { name: string; roles: Set<string>; key: string }>();
  for (const a of r.activations) {
    for (const p of a.participants) {
      const e = people.get(p.keyFingerprint) ?? { name: p.name, roles: new Set<string>(), key: p.keyFingerprint };
      e.roles.add(`${p.role} (holder ${a.holder})`);
      people.set(p.keyFingerprint, e);
    }
  }
  const signers = [...r.custodians.map((c) => ({ name: c, role: 'Escrow custodian' })), ...[...people.values()].map((p) => ({ name: p.name, role: [...p.roles].join(', ') }))];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ceremony report ${esc(r.ceremony)}</title>
<style>
@page{size:A4;margin:14mm}
body{font:11pt/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#111}
h1{font-size:18pt;margin:0 0 4pt}h2{font-size:13pt;margin:16pt 0 6pt;border-bottom:1px solid #999}
.banner{background:#fff3cd;border:1px solid #c9a227;padding:6pt 8pt;margin:8pt 0}
table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{border:1px solid #bbb;padding:3pt 5pt;text-align:left;vertical-align:top;font-size:9.5pt;overflow-wrap:anywhere}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:9pt;word-break:break-all}
.hash{font-size:11pt;letter-spacing:.5pt}.nowrap{white-space:nowrap}.sig td{height:34pt}
</style></head><body>
<h1>Key ceremony report</h1>
<div>Ceremony <code>${esc(r.ceremony)}</code> · generated ${esc(r.generatedAt.toISOString())}</div>
${r.mode === 'rehearsal' ? `<div class="banner"><strong>REHEARSAL.</strong> Run against the rehearsal cloud on this computer with generated participants (KDF profile: ${esc(r.kdf)}). Nothing here touched Azure or real key material.</div>` : ''}
<h2>Key</h2>
<table>
<tr><th>Source key fingerprint (SHA-256 of the public key)</th><td class="mono">${esc(group(r.fingerprint))}</td></tr>
<tr><th>Check value</th><td class="mono">${esc(r.checkValue)}</td></tr>
<tr><th>Key holder 1 key version (worksheet line 2)</th><td class="mono">${esc(r.keyVersionIds[1])}</td></tr>
<tr><th>Key holder 2 key version (worksheet line 2)</th><td class="mono">${esc(r.keyVersionIds[2])}</td></tr>
<tr><th>Primary key</th><td>${r.primaryKey ? `${esc(r.primaryKey.name)}: <strong>${esc(r.primaryKey.status)}</strong>` : 'No status recorded in this transcript: the vendor has not added the primary key yet.'}</td></tr>
</table>
<h2>Participants</h2>
<table><tr><th>Name</th><th>Role</th><th>Participant key fingerprint</th></tr>
${r.custodians.map((c) => `<tr><td>${esc(c)}</td><td>Escrow custodian</td><td>(passphrase holder; no participant key)</td></tr>`).join('\n')}
${[...people.values()].map((p) => `<tr><td>${esc(p.name)}</td><td>${esc([...p.roles].join(', '))}</td><td class="mono">${esc(p.key)}</td></tr>`).join('\n')}
</table>
${r.activations.length ? `<table><tr><th>Supervised activation</th><th>Component check values</th></tr>
${r.activations.map((a) => `<tr><td>Key holder ${a.holder}</td><td class="mono">${a.checkValues.map((c) => esc(c)).join(', ') || '(none)'}</td></tr>`).join('\n')}
</table>` : ''}
<h2>Steps recorded in the transcript</h2>
<table><tr><th>#</th><th>Step</th><th>Details</th></tr>
${r.steps.map((s) => `<tr><td>${s.seq}</td><td>${esc(stepWords(s))}</td><td class="mono">${esc(summary(s))}</td></tr>`).join('\n')}
</table>
<h2>Transcript</h2>
<table>
<tr><th>File</th><td class="mono">${esc(r.transcriptFile)}</td></tr>
<tr><th>Workstation ceremony key</th><td class="mono">${esc(r.workstationKey)}</td></tr>
<tr><th>Final hash</th><td class="mono hash">${r.finalHash ? esc(group(r.finalHash)) : 'None yet: the ceremony is not closed.'}</td></tr>
</table>
${r.finalHash ? `<p>Anyone can check the transcript: <code>keyholder transcript verify ${esc(r.transcriptFile)} --final-hash ${esc(r.finalHash)}</code> exits 0 only if it is intact, complete and closed with this final hash.</p>` : '<p>Once the ceremony is closed, its final hash appears here with the command that checks the transcript against it.</p>'}
<h2>Signatures</h2>
<p>By signing, each participant confirms the steps above happened as recorded and that they saw no copy of the key made.</p>
<table class="sig"><tr><th>Name</th><th>Role</th><th>Signature</th><th>Date</th></tr>
${signers.map((s) => `<tr><td>${esc(s.name)}</td><td>${esc(s.role)}</td><td></td><td></td></tr>`).join('\n')}
</table>
</body></html>
`;
}
