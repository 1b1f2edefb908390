/**
 * The escrow inspector: what a double-clicked .khescrow file says about
 * itself without any passphrase (key, fingerprint and check value, who must
 * meet to restore it, how each share is protected). Main sends the file's
 * path with app:show; opening the key itself stays with the custodians
 * (`keyholder escrow verify` or the ceremony's test-restore).
 */
import { useEffect, useState } from 'react';
import { call } from '../../app/api';
import { useApp } from '../../app/store';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { formatMoment } from '../../../shared/format/dates';
import './escrow.css';

type Info = ResponseOf<'escrow:inspect'>;
const base = (f: string) => f.split(/[\\/]/).pop() ?? f;

export function EscrowFileScreen() {
  const file = useApp((s) => s.item);
  const [info, setInfo] = useState<Info | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setInfo(null);
    setError(null);
    if (!file) return;
    call('escrow:inspect', { file }).then(setInfo, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [file]);

  return (
    <section aria-labelledby="escrow-file-title">
      <h1 id="escrow-file-title">Escrow file</h1>
      {!file && (
        <p className="escrow-hint" data-testid="escrow-file-none">
          Open an escrow file (its name ends in .khescrow) from your file manager and Key Holder shows what it holds here. No passphrase is needed to look.
        </p>
      )}
      {file && <p className="escrow-hint">{file}</p>}
      {error && (
        <div className="escrow-error" role="alert" data-testid="escrow-file-error">
          {error}
        </div>
      )}
      {info && (
        <>
          <div className="escrow-card" data-testid="escrow-file-summary">
            <h2>{base(info.file)}</h2>
            <p className="escrow-hint">
              SHA-256 of the file <code>{info.sha256}</code>: compare it with the one on the restore sheet to know this is the file the ceremony wrote.
            </p>
          </div>
          {info.keys.map((k) => (
            <div className="escrow-card" key={k.keyId} data-testid="escrow-file-key">
              <h2>Key {k.keyId}</h2>
              <div className="escrow-row" style={{ alignItems: 'flex-start', gap: 32 }}>
                <div>
                  <div className="escrow-hint">Check value (read aloud)</div>
                  <div className="escrow-check">{k.checkValue}</div>
                </div>
                <div>
                  <div className="escrow-hint">Fingerprint (SHA-256 of the public key)</div>
                  <div className="escrow-fp" aria-label={`Fingerprint ${k.fingerprintGrouped}`}>
                    {k.fingerprintGrouped.split(' ').map((g, i) => (
                      <span key={i}>{g}</span>
                    ))}
                  </div>
                </div>
              </div>
              <p className="escrow-hint">
                {k.keyKind}{k.rehearsal ? ' (rehearsal only)' : ''}, created {formatMoment(k.created)}. Purpose: {k.purpose || '(none given)'}
              </p>
              <h3>
                {k.threshold === 1 ? 'Any one custodian can restore it' : `${k.threshold} of ${k.custodians.length} custodians must meet to restore it`}
              </h3>
              <ul className="escrow-list">
                {k.custodians.map((c) => (
                  <li key={c.index}>
                    {c.index}. {c.name} <span className="escrow-hint">{c.kdf}</span>
                  </li>
                ))}
              </ul>
            </div>
          ))}
          <p className="escrow-hint">
            Looking needs no passphrase and opens nothing. To prove the custodians can still restore the key, run <code>keyholder escrow verify</code> with them.
          </p>
        </>
      )}
    </section>
  );
}
