/**
 * The restore instruction sheet, printed from the app (the same content is
 * saved beside the escrow file as HTML). Nothing on it is secret.
 */
import type { ResponseOf } from '../../../shared/ipc/contract';

type Status = ResponseOf<'escrow:status'>;
const base = (f: string) => f.split(/[\\/]/).pop() ?? f;

export function RestoreSheet({ status, onClose }: { status: Status; onClose(): void }) {
  const w = status.written!;
  const t = status.threshold ?? 1;
  const n = status.custodians.length;
  const pemFor = (i: number) => w.pemFiles.map(base).find((f) => f.includes(`-custodian-${i}-`));
  return (
    <section aria-labelledby="sheet-title">
      <div className="escrow-noprint escrow-row" style={{ marginBottom: 12 }}>
        <button type="button" className="primary" onClick={() => window.print()}>
          Print
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Back
        </button>
        <span className="escrow-hint">Also saved as {base(w.sheetFile)} beside the escrow file.</span>
      </div>
      <div className="escrow-sheet" data-testid="restore-sheet">
        <h1 id="sheet-title">Source key restore sheet</h1>
        <p>
          <strong>Keep this sheet with the escrow file, never with a passphrase.</strong> If the key or every passphrase is lost, every document encrypted under it is unrecoverable.
        </p>
        <table>
          <tbody>
            <tr>
              <th>Key ID</th>
              <td>
                <code>{status.key.keyId}</code>
              </td>
            </tr>
            <tr>
              <th>Fingerprint (SHA-256 of the public key)</th>
              <td>
                <div className="escrow-fp">{status.key.fingerprintGrouped}</div>
                <div className="escrow-hint">
                  As <code>openssl dgst</code> prints it: <code>{status.key.fingerprint}</code>
                </div>
              </td>
            </tr>
            <tr>
              <th>Check value</th>
              <td>
                <span className="escrow-check">{status.key.checkValue}</span>
              </td>
            </tr>
            <tr>
              <th>Key</th>
              <td>RSA {status.key.modulusBits} bits</td>
            </tr>
            <tr>
              <th>Escrow file</th>
              <td>
                <code>{base(w.escrowFile)}</code>
                <br />
                SHA-256 <code>{w.escrowSha256}</code>
              </td>
            </tr>
            <tr>
              <th>Restoring needs</th>
              <td>{t > 1 ? `${t} of ${n} custodians together` : `any 1 of ${n} custodians`}</td>
            </tr>
          </tbody>
        </table>
        <h2>Custodians</h2>
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>Name</th>
              <th>OpenSSL file</th>
              <th>Signature</th>
            </tr>
          </thead>
          <tbody>
            {status.custodians.map((c) => (
              <tr key={c.index}>
                <td>{c.index}</td>
                <td>{c.name}</td>
                <td>{pemFor(c.index) ? <code>{pemFor(c.index)}</code> : 'none (quorum)'}</td>
                <td style={{ width: '30%' }} />
              </tr>
            ))}
          </tbody>
        </table>
        <h2>How to restore</h2>
        {t > 1 ? (
          <>
            <p>
              <strong>No single passphrase opens this key, and no OpenSSL file exists for it.</strong> Restoring takes {t} of the {n} custodians above, each present to type their own passphrase, and the escrow file:
            </p>
            <pre>keyholder escrow restore "{base(w.escrowFile)}" --out restored-key.pem</pre>
            <p>Without Key Holder, the file format is documented (docs/formats/escrow-v1.md: scrypt, AES-256-GCM, Shamir secret sharing), so it can be restored from that description and {t} passphrases.</p>
          </>
        ) : (
          <>
            <p>Any one custodian can restore the key with their own PEM file and passphrase, using only OpenSSL 3:</p>
            <pre>openssl pkey -in CUSTODIAN-FILE.pem -out restored-key.pem -aes-256-cbc</pre>
            <p>Check it is this key (the hex printed must equal the fingerprint above, ignoring spaces and letter case):</p>
            <pre>openssl pkey -in CUSTODIAN-FILE.pem -pubout -outform DER | openssl dgst -sha256</pre>
          </>
        )}
        <h2>Protection</h2>
        <p>
          {w.artifacts.map((a) => (
            <span key={a.file}>
              <code>{a.file}</code>: {a.kdf}
              <br />
            </span>
          ))}
          The weakest file sets the strength: <code>{w.weakest.file}</code>, about {w.weakest.gpuGuessesPerSecond.toLocaleString('en')} guesses per second per high-end GPU (model estimate).
        </p>
      </div>
    </section>
  );
}
