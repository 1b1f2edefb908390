/**
 * The worksheet as a self-contained printable HTML document (no scripts, no
 * external resources), rendered to PDF on the Node side. The client secret is
 * printed only when the holder explicitly asked for it; otherwise the line
 * says it was left out on purpose.
 */
import { HOLDERS, LABEL, LINE_OF, type FieldId, type HolderFields, type HolderNo, type WorksheetIssue } from './model';

export interface PrintableInput {
  mode: 'rehearsal' | 'live';
  holders: Record<HolderNo, HolderFields & { secret: 'none' | 'stored' | 'unreadable' }>;
  /** Present only when the holder chose to include the secrets. */
  secrets?: Partial<Record<HolderNo, string>>;
  issues: WorksheetIssue[];
  generatedAt: Date;
}

const ORDER: FieldId[] = ['vaultHost', 'keyIdentifier', 'clientId', 'clientSecret', 'tenantId', 'keyName', 'secretCreatedOn', 'secretExpiresOn'];

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export const REDACTED_TEXT = 'Not printed (kept secret). Re-export with “include client secret” only if the administrator must read it from paper.';

function cell(input: PrintableInput, holder: HolderNo, field: FieldId): string {
  const h = input.holders[holder];
  if (field === 'clientSecret') {
    const s = input.secrets?.[holder];
    if (s !== undefined) return `<code class="secret">${escapeHtml(s)}</code>`;
    if (h.secret === 'none') return '<span class="empty">not recorded</span>';
    return `<span class="redacted">${escapeHtml(REDACTED_TEXT)}</span>`;
  }
  const v = (h as Record<string, string>)[field] ?? '';
  return v ? `<code>${escapeHtml(v)}</code>` : '<span class="empty">not recorded</span>';
}

export function printableHtml(input: PrintableInput): string {
  const rows = (holder: HolderNo) =>
    ORDER.map((f) => {
      const line = LINE_OF[f];
      const problems = input.issues.filter((i) => i.holder === holder && i.field === f && i.severity !== 'info');
      return `<tr><th scope="row">${line ? `<span class="line">Line ${line}</span> ` : ''}${escapeHtml(LABEL[f])}</th><td>${cell(input, holder, f)}${problems
        .map((p) => `<div class="problem">${p.severity === 'error' ? 'Problem' : 'Note'}: ${escapeHtml(p.message)}</div>`)
        .join('')}</td></tr>`;
    }).join('');
  const errors = input.issues.filter((i) => i.severity === 'error').length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Azure Information Worksheet</title>
<style>
body { font: 11pt/1.4 system-ui, sans-serif; color: #000; margin: 0; }
h1 { font-size: 16pt; margin: 0 0 4pt; }
h2 { font-size: 13pt; margin: 14pt 0 4pt; border-bottom: 1px solid #000; }
.meta { font-size: 9pt; color: #333; margin-bottom: 8pt; }
.rehearsal { border: 2px solid #000; padding: 4pt 8pt; font-weight: 700; margin-bottom: 8pt; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 4pt 6pt; border: 1px solid #999; }
th { width: 34%; font-weight: 600; }
.line { display: inline-block; min-width: 40pt; }
code { font: 10pt ui-monospace, monospace; word-break: break-all; }
.empty, .redacted { color: #444; font-style: italic; }
.problem { font-size: 9pt; margin-top: 2pt; }
section { page-break-inside: avoid; }
</style></head><body>
<h1>Azure Information Worksheet</h1>
<div class="meta">Printed ${escapeHtml(input.generatedAt.toISOString().slice(0, 16).replace('T', ' '))} UTC · ${errors === 0 ? 'no problems found' : `${errors} problem${errors === 1 ? '' : 's'} to fix`}</div>
${input.mode === 'rehearsal' ? '<div class="rehearsal">REHEARSAL: these values belong to the rehearsal cloud, not to Azure.</div>' : ''}
${HOLDERS.map((h) => `<section><h2>Key holder ${h}</h2><table>${rows(h)}</table></section>`).join('\n')}
</body></html>`;
}
