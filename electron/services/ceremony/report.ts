/**
 * The printable ceremony report: who took part in which role (with their
 * participant key fingerprints), every step the transcript recorded, the key's
 * fingerprint, the key version identifiers, and the transcript's final hash,
 * with signature lines. Self-contained HTML (no scripts, no remote content),
 * printed to PDF where a renderer is available. Identifiers only: the
 * transcript never holds a secret, so neither does this.
 */
import type { JsonObject } from '../../../shared/transcript/canonical';
import { carriedEntry, entryWords } from '../../../shared/ceremony/entry-words';

export interface ReportStep {
  seq: number;
  kind: string;
  data: JsonObject;
  /** When the entry was appended (ISO), where the caller has it. */
  at?: string;
}

export interface CeremonyReportInput {
  ceremony: string;
  generatedAt: Date;
  mode: 'rehearsal' | 'live';
  fingerprint: string;
  checkValue: string;
  keyVersionIds: Record<1 | 2, string>;
  /** The last status recorded and when it was received, or null when the transcript records none (not added at the vendor yet). */
  primaryKey: { name: string; status: string; receivedAt: string | null } | null;
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

/** When something happened, for people in different places: day, time and the zone (UTC), never a bare ISO string. */
function reportTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(d)} UTC`;
}

/** A step's details: identifiers (printed in a fixed-width face, broken anywhere) and words (printed as prose). */
function details(step: ReportStep): string {
  const carried = carriedEntry(step.kind, step.data);
  const d = carried.data;
  const bits: string[] = [];
  const id = (s: string) => `<span class="mono">${esc(s)}</span>`;
  if (d.holder !== undefined && d.holder !== null) bits.push(`key holder ${esc(d.holder)}`);
  if (typeof d.fingerprint === 'string') bits.push(`fingerprint ${id(`${d.fingerprint.slice(0, 16)}…`)}`);
  if (typeof d.keyVersionId === 'string') bits.push(id(d.keyVersionId));
  if (typeof d.submissionId === 'string') bits.push(`submission ${id(d.submissionId)}`);
  if (typeof d.status === 'string') bits.push(`<strong>${esc(d.status)}</strong>`);
  if (typeof d.outcome === 'string') bits.push(esc(d.outcome));
  if (carried.kind !== step.kind && typeof step.data.reason === 'string') bits.push(esc(step.data.reason));
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
  const primaryKey = r.primaryKey
    ? `${esc(r.primaryKey.name)}: <strong>${esc(r.primaryKey.status)}</strong>${r.primaryKey.receivedAt ? `, received ${esc(reportTime(r.primaryKey.receivedAt))}` : ''}`
    : 'No status recorded in this transcript: the vendor has not added the primary key yet.';
  // Column widths are set per table (table-layout:fixed), so long identifiers wrap inside the page instead of pushing the table past its right edge.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ceremony report ${esc(r.ceremony)}</title>
<style>
@page{size:A4;margin:14mm}
body{font:11pt/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#111}
h1{font-size:18pt;margin:0 0 4pt}h2{font-size:13pt;margin:16pt 0 6pt;border-bottom:1px solid #999}
.banner{background:#fff3cd;border:1px solid #c9a227;padding:6pt 8pt;margin:8pt 0}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin:0 0 8pt}td,th{border:1px solid #bbb;padding:3pt 5pt;text-align:left;vertical-align:top;font-size:9.5pt;overflow-wrap:anywhere}
tr{break-inside:avoid}h2,h2+p{break-after:avoid}thead{display:table-header-group}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:9pt;overflow-wrap:anywhere}
.hash{font-size:10.5pt;letter-spacing:.3pt}.sig td{height:34pt}
.verify{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:9pt;white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;border:1px solid #ccc;padding:5pt 7pt;margin:4pt 0}
</style></head><body>
<h1>Key ceremony report</h1>
<div>Ceremony <code>${esc(r.ceremony)}</code> · generated ${esc(reportTime(r.generatedAt.toISOString()))}</div>
${r.mode === 'rehearsal' ? `<div class="banner"><strong>REHEARSAL.</strong> Run against the rehearsal cloud on this computer with generated participants (KDF profile: ${esc(r.kdf)}). Nothing here touched Azure or real key material.</div>` : ''}
<h2>Key</h2>
<table><colgroup><col style="width:38%"><col></colgroup>
<tr><th>Source key fingerprint (SHA-256 of the public key)</th><td class="mono">${esc(group(r.fingerprint))}</td></tr>
<tr><th>Check value</th><td class="mono">${esc(r.checkValue)}</td></tr>
<tr><th>Key holder 1 key version (worksheet line 2)</th><td class="mono">${esc(r.keyVersionIds[1])}</td></tr>
<tr><th>Key holder 2 key version (worksheet line 2)</th><td class="mono">${esc(r.keyVersionIds[2])}</td></tr>
<tr><th>Primary key</th><td>${primaryKey}</td></tr>
</table>
<h2>Participants</h2>
<table><colgroup><col style="width:27%"><col style="width:27%"><col></colgroup>
<thead><tr><th>Name</th><th>Role</th><th>Participant key fingerprint</th></tr></thead>
${r.custodians.map((c) => `<tr><td>${esc(c)}</td><td>Escrow custodian</td><td>(passphrase holder; no participant key)</td></tr>`).join('\n')}
${[...people.values()].map((p) => `<tr><td>${esc(p.name)}</td><td>${esc([...p.roles].join(', '))}</td><td class="mono">${esc(p.key)}</td></tr>`).join('\n')}
</table>
${r.activations.length ? `<table><colgroup><col style="width:38%"><col></colgroup>
<thead><tr><th>Supervised activation</th><th>Component check values</th></tr></thead>
${r.activations.map((a) => `<tr><td>Key holder ${a.holder}</td><td class="mono">${a.checkValues.map((c) => esc(c)).join(', ') || '(none)'}</td></tr>`).join('\n')}
</table>` : ''}
<h2>Steps recorded in the transcript</h2>
<table><colgroup><col style="width:6%"><col style="width:34%"><col></colgroup>
<thead><tr><th>#</th><th>Step</th><th>Details</th></tr></thead>
${r.steps.map((s) => `<tr><td>${s.seq}</td><td>${esc(entryWords(s.kind, s.data))}</td><td>${details(s)}</td></tr>`).join('\n')}
</table>
<h2>Transcript</h2>
<table><colgroup><col style="width:38%"><col></colgroup>
<tr><th>File</th><td class="mono">${esc(r.transcriptFile)}</td></tr>
<tr><th>Workstation ceremony key</th><td class="mono">${esc(r.workstationKey)}</td></tr>
<tr><th>Final hash</th>${r.finalHash ? `<td class="mono hash">${esc(group(r.finalHash))}</td>` : '<td>None yet: the ceremony is not closed.</td>'}</tr>
</table>
${
  r.finalHash
    ? `<p>Anyone can check the transcript; this command exits 0 only if it is intact, complete and closed with this final hash:</p>
<div class="verify">keyholder transcript verify ${esc(r.transcriptFile)} \\
  --final-hash ${esc(r.finalHash)}</div>`
    : '<p>Once the ceremony is closed, its final hash appears here with the command that checks the transcript against it.</p>'
}
<h2>Signatures</h2>
<p>By signing, each participant confirms the steps above happened as recorded and that they saw no copy of the key made.</p>
<table class="sig"><colgroup><col style="width:27%"><col style="width:27%"><col style="width:30%"><col></colgroup>
<thead><tr><th>Name</th><th>Role</th><th>Signature</th><th>Date</th></tr></thead>
${signers.map((s) => `<tr><td>${esc(s.name)}</td><td>${esc(s.role)}</td><td></td><td></td></tr>`).join('\n')}
</table>
</body></html>
`;
}
