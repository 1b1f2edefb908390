/**
 * The one-page restore instruction sheet: printed and stored with the
 * escrow file and PEMs. It carries no secret; it tells a future custodian
 * which key this is and the exact commands to bring it back, with or
 * without Key Holder.
 */
import { checkValue, groupFingerprint } from '../../../shared/keys/fingerprint';
import { describeKeyType, type KeyEntry } from '../../../shared/escrow/format';
import { describeScrypt, gpuGuessesPerSecond, type ScryptCost } from '../../../shared/escrow/kdf-profiles';

export interface ArtifactStrength {
  file: string;
  kind: 'escrow' | 'pem' | 'holder-copy';
  kdf: string;
  /** Modelled guesses per second per high-end GPU (lower is stronger). */
  gpuGuessesPerSecond: number;
}

export function strengthOf(file: string, kind: ArtifactStrength['kind'], cost: ScryptCost): ArtifactStrength {
  return { file, kind, kdf: describeScrypt(cost), gpuGuessesPerSecond: Math.round(gpuGuessesPerSecond({ kind: 'scrypt', cost })) };
}

/** The weakest artifact sets the strength of the whole escrow. */
export function weakest(artifacts: ArtifactStrength[]): ArtifactStrength {
  return artifacts.reduce((a, b) => (b.gpuGuessesPerSecond > a.gpuGuessesPerSecond ? b : a));
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface SheetInput {
  entry: KeyEntry;
  escrowFile: string;
  escrowSha256: string;
  pemFiles: { custodian: string; file: string }[];
  artifacts: ArtifactStrength[];
  generatedAt: Date;
}

export function restoreSheetHtml(s: SheetInput): string {
  const e = s.entry;
  const quorum = e.policy.threshold > 1;
  const w = weakest(s.artifacts);
  const custodianRows = e.custodians
    .map((c) => {
      const pem = s.pemFiles.find((p) => p.custodian === c.name);
      return `<tr><td>${c.index}</td><td>${esc(c.name)}</td><td>${pem ? `<code>${esc(pem.file)}</code>` : 'none (quorum)'}</td><td>&nbsp;</td></tr>`;
    })
    .join('');
  const withOpenssl = e.keyType === 'AES'
    ? `<p><strong>This is a 256-bit key for AWS KMS (imported key material): it has no OpenSSL file.</strong> It comes back only through Key Holder: ${quorum ? `<strong>${e.policy.threshold} of the ${e.policy.total}</strong> custodians` : 'any one custodian'} open the escrow file <code>${esc(s.escrowFile)}</code> in a supervised activation whose purpose imports it into a KMS key (key material origin External). To check the file and passphrases without importing anything:</p>
<pre>keyholder escrow verify "${esc(s.escrowFile)}"</pre>
<p>Without Key Holder, the file format is public (Key Holder's <code>docs/formats/escrow-v1.md</code>: scrypt, AES-256-GCM${quorum ? ', Shamir secret sharing over GF(2^8)' : ''}); the 32 key bytes are what AWS KMS's ImportKeyMaterial takes, wrapped under the key's import parameters.</p>`
    : quorum
    ? `<p><strong>No single passphrase opens this key, and no OpenSSL file exists for it.</strong> Restoring takes <strong>${e.policy.threshold} of the ${e.policy.total}</strong> custodians listed above, each present to type their own passphrase, and the escrow file <code>${esc(s.escrowFile)}</code>:</p>
<pre>keyholder escrow restore "${esc(s.escrowFile)}" --out restored-key.pem</pre>
<p>Each custodian types their passphrase when asked (it is never shown), then a new passphrase protects <code>restored-key.pem</code>, which OpenSSL reads. Without Key Holder, the file format is public (Key Holder's <code>docs/formats/escrow-v1.md</code>: scrypt, AES-256-GCM, Shamir secret sharing over GF(2^8)); any competent engineer can restore it from that description and ${e.policy.threshold} passphrases.</p>`
    : `<p>Any one custodian can restore the key with their own PEM file and passphrase, using only OpenSSL 3 (no Key Holder needed):</p>
<pre>openssl pkey -in CUSTODIAN-FILE.pem -out restored-key.pem -aes-256-cbc</pre>
<p>OpenSSL asks for the custodian's passphrase, then for a new one that protects <code>restored-key.pem</code>. Check it is this key (the hex must equal the fingerprint above, ignoring spaces and case):</p>
<pre>openssl pkey -in CUSTODIAN-FILE.pem -pubout -outform DER | openssl dgst -sha256</pre>
<p>With Key Holder instead: <code>keyholder escrow restore "${esc(s.escrowFile)}" --out restored-key.pem</code>.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Restore sheet: source key ${esc(e.keyId)}</title>
<style>
body{font-family:system-ui,sans-serif;font-size:11pt;margin:18mm;color:#111}
h1{font-size:16pt;margin:0 0 4mm}h2{font-size:12pt;margin:5mm 0 2mm}
.fp{font-family:ui-monospace,monospace;font-size:13pt;letter-spacing:.05em}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:3px 6px;text-align:left;vertical-align:top}
pre{background:#f3f3f3;padding:6px;white-space:pre-wrap;font-size:10pt}
.warn{border:2px solid #b00;padding:6px}
@media print{@page{size:A4;margin:12mm}body{margin:0}}
</style></head><body>
<h1>Source key restore sheet</h1>
<p class="warn">Keep this sheet with the escrow file, never with a passphrase. If the key or every passphrase is lost, every document encrypted under it is unrecoverable.</p>
<table>
<tr><th>Key ID</th><td><code>${esc(e.keyId)}</code></td></tr>
<tr><th>Fingerprint (${e.keyType === 'RSA' ? 'SHA-256 of the public key' : 'HMAC-SHA-256 check of the key'})</th><td><span class="fp">${groupFingerprint(e.fingerprint)}</span><br><small>As <code>openssl dgst</code> prints it: <code>${e.fingerprint}</code></small></td></tr>
<tr><th>Check value</th><td class="fp">${checkValue(e.fingerprint)}</td></tr>
<tr><th>Key</th><td>${describeKeyType(e)} bits, created ${esc(e.created)}</td></tr>
<tr><th>Purpose</th><td>${esc(e.purpose || '(none given)')}</td></tr>
<tr><th>Escrow file</th><td><code>${esc(s.escrowFile)}</code><br>SHA-256 <code>${esc(s.escrowSha256)}</code></td></tr>
<tr><th>Restoring needs</th><td>${quorum ? `${e.policy.threshold} of ${e.policy.total} custodians together` : `any 1 of ${e.policy.total} custodians`}</td></tr>
</table>
<h2>Custodians</h2>
<table><tr><th>#</th><th>Name</th><th>OpenSSL file</th><th>Signature</th></tr>${custodianRows}</table>
<h2>How to restore</h2>
${withOpenssl}
<h2>Protection</h2>
<p>${s.artifacts.map((a) => `<code>${esc(a.file)}</code>: ${esc(a.kdf)}`).join('<br>')}</p>
<p>The weakest file sets the strength: <code>${esc(w.file)}</code>, about ${w.gpuGuessesPerSecond.toLocaleString('en')} guesses per second per high-end GPU (model estimate).</p>
<p style="font-size:9pt;color:#555">Generated by Key Holder on ${esc(s.generatedAt.toISOString())}.</p>
</body></html>
`;
}
