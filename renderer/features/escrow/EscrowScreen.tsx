/**
 * The custodian flow: generate the source key, choose custodians and how
 * many must meet to restore, each custodian's passphrase in turn (screen
 * cleared between them), save, test-restore from disk, print the sheet,
 * then the key-holder copies. The key itself never reaches this page: it
 * sees a session ID, the key ID and the fingerprint.
 */
import { useEffect, useMemo, useState } from 'react';
import { call } from '../../app/api';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { PassphraseTurn } from './PassphraseTurn';
import { RestoreSheet } from './RestoreSheet';
import './escrow.css';

type Status = ResponseOf<'escrow:status'>;
type Defaults = ResponseOf<'escrow:defaults'>;
type Step = 'generate' | 'custodians' | 'passphrases' | 'save' | 'restore' | 'done';
const STEPS: [Step, string][] = [
  ['generate', '1 Generate'],
  ['custodians', '2 Custodians'],
  ['passphrases', '3 Passphrases'],
  ['save', '4 Save'],
  ['restore', '5 Test-restore'],
  ['done', '6 Sheet and copies'],
];
const base = (f: string) => f.split(/[\\/]/).pop() ?? f;

/** The open ceremony survives moving to another screen and back (the key itself stays in the Node side). */
let openSession: string | null = null;

function stepOf(s: Status | null): Step {
  if (!s) return 'generate';
  if (s.threshold === null) return 'custodians';
  if (!s.written) return s.custodians.every((c) => c.passphraseEntered) ? 'save' : 'passphrases';
  return s.restoreDone ? 'done' : 'restore';
}

function KeyPanel({ s }: { s: Status }) {
  return (
    <div className="escrow-card" data-testid="key-panel">
      <h2>Source key</h2>
      <div className="escrow-row" style={{ alignItems: 'flex-start', gap: 32 }}>
        <div>
          <div className="escrow-hint">Check value (read aloud)</div>
          <div className="escrow-check" data-testid="check-value">
            {s.key.checkValue}
          </div>
        </div>
        <div>
          <div className="escrow-hint">{s.keyType === 'AES' ? 'Fingerprint (HMAC-SHA-256 of the key)' : 'Fingerprint (SHA-256 of the public key)'}</div>
          <div className="escrow-fp" data-testid="fingerprint" aria-label={`Fingerprint ${s.key.fingerprintGrouped}`}>
            {s.key.fingerprintGrouped.split(' ').map((g, i) => (
              <span key={i}>{g}</span>
            ))}
          </div>
        </div>
      </div>
      <p className="escrow-hint">
        {s.keyType === 'AES' ? (
          <>
            Key ID <code>{s.key.keyId}</code> · AES-256 for AWS KMS. The fingerprint is an HMAC of the key: it names the key without revealing it.
          </>
        ) : (
          <>
            Key ID <code>{s.key.keyId}</code> · RSA {s.key.modulusBits}. Anyone can recompute the fingerprint from a vault&apos;s public key to confirm it is this key.
          </>
        )}
      </p>
    </div>
  );
}

export function EscrowScreen() {
  const [defaults, setDefaults] = useState<Defaults | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [bits, setBits] = useState(3072);
  const [purpose, setPurpose] = useState('');
  const [names, setNames] = useState<string[]>(['', '']);
  const [threshold, setThreshold] = useState(1);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [printing, setPrinting] = useState(false);
  const [holder, setHolder] = useState('');
  const [holderTurn, setHolderTurn] = useState<string | null>(null);

  useEffect(() => {
    call('escrow:defaults', {}).then((d) => {
      setDefaults(d);
      setBits(d.defaultSize);
    }, (e: Error) => setError(e.message));
    if (openSession) {
      call('escrow:status', { sessionId: openSession }).then(setStatus, () => {
        openSession = null;
      });
    }
  }, []);

  const step = stepOf(status);
  const context = useMemo(() => [...(status?.custodians.map((c) => c.name) ?? []), purpose], [status, purpose]);

  async function run(f: () => Promise<Status>) {
    setBusy(true);
    setError(null);
    try {
      const next = await f();
      openSession = next.sessionId;
      setStatus(next);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  if (printing && status?.written) return <RestoreSheet status={status} onClose={() => setPrinting(false)} />;

  const nextSeal = status?.custodians.find((c) => !c.passphraseEntered);
  const t = status?.threshold ?? 1;
  const verifiedCount = status?.custodians.filter((c) => c.restoreVerified).length ?? 0;
  const nextRestore = status?.custodians.find((c) => !c.restoreVerified);

  return (
    <section aria-labelledby="escrow-title">
      <h1 id="escrow-title">Source key and escrow</h1>
      <ol className="escrow-steps" aria-label="Escrow steps">
        {STEPS.map(([id, label]) => (
          <li key={id} aria-current={id === step ? 'step' : undefined} className={STEPS.findIndex(([x]) => x === id) < STEPS.findIndex(([x]) => x === step) ? 'done' : undefined}>
            {label}
          </li>
        ))}
      </ol>
      {error && (
        <div className="escrow-error" role="alert" data-testid="escrow-error">
          {error}
        </div>
      )}
      {status && step !== 'passphrases' && step !== 'restore' && <KeyPanel s={status} />}

      {step === 'generate' && (
        <div className="escrow-card">
          <h2>Generate the source key</h2>
          <p>The key is created on this computer and never leaves it unencrypted. If it, or every escrow passphrase, is lost, everything encrypted under it is unrecoverable.</p>
          {defaults?.keyStore === 'aws-kms' ? (
            <p data-testid="size-reason">
              The settings choose AWS KMS: the key is a 256-bit AES key, the size AWS KMS imports. It has no OpenSSL PEM form, so the escrow file is the custodians’ only copy.
            </p>
          ) : (
          <fieldset className="escrow-field" style={{ border: 0, padding: 0 }}>
            <legend>Key size</legend>
            {(defaults?.sizes ?? [2048, 3072, 4096]).map((n) => (
              <label key={n} className="escrow-row">
                <input type="radio" name="bits" value={n} checked={bits === n} onChange={() => setBits(n)} /> RSA {n}
                {n === defaults?.defaultSize ? ' (recommended)' : ''}
              </label>
            ))}
            <span className="escrow-hint" data-testid="size-reason">
              {defaults?.sizeReason}
            </span>
          </fieldset>
          )}
          <div className="escrow-field">
            <label htmlFor="escrow-purpose">Purpose (printed on the restore sheet)</label>
            <input id="escrow-purpose" type="text" value={purpose} maxLength={200} placeholder="e.g. Contoso iManage CMK 2026" onChange={(e) => setPurpose(e.target.value)} />
          </div>
          <button type="button" className="primary" disabled={busy} onClick={() => run(() => call('escrow:start', { modulusBits: bits as 2048 | 3072 | 4096, ...(purpose ? { purpose } : {}) }))}>
            {busy ? 'Generating…' : 'Generate the source key'}
          </button>
        </div>
      )}

      {step === 'custodians' && status && (
        <div className="escrow-card">
          <h2>Escrow custodians</h2>
          <p>Each custodian chooses their own passphrase. Name the people who will keep the escrow.</p>
          {names.map((n, i) => (
            <div className="escrow-field" key={i}>
              <label htmlFor={`custodian-${i + 1}`}>Custodian {i + 1}</label>
              <div className="escrow-row">
                <input id={`custodian-${i + 1}`} type="text" value={n} maxLength={80} onChange={(e) => setNames(names.map((x, j) => (j === i ? e.target.value : x)))} style={{ flex: 1 }} />
                {names.length > 1 && (
                  <button type="button" className="secondary" aria-label={`Remove custodian ${i + 1}`} onClick={() => setNames(names.filter((_, j) => j !== i))}>
                    Remove
                  </button>
                )}
              </div>
            </div>
          ))}
          {names.length < 16 && (
            <button type="button" className="secondary" onClick={() => setNames([...names, ''])}>
              Add a custodian
            </button>
          )}
          <div className="escrow-field">
            <label htmlFor="escrow-threshold">Custodians needed to restore</label>
            <select id="escrow-threshold" value={Math.min(threshold, names.length)} onChange={(e) => setThreshold(Number(e.target.value))}>
              {names.map((_, i) => (
                <option key={i} value={i + 1}>
                  {i + 1} of {names.length}
                </option>
              ))}
            </select>
            <span className="escrow-hint" data-testid="threshold-explanation">
              {Math.min(threshold, names.length) === 1
                ? 'Any one custodian can restore alone. Each also gets an OpenSSL file that opens with their passphrase, so the key can be restored without Key Holder.'
                : `${Math.min(threshold, names.length)} custodians must come together to restore; no fewer can. No single-passphrase OpenSSL file is written: restoring needs Key Holder (or its documented format) and ${Math.min(threshold, names.length)} passphrases.`}
            </span>
          </div>
          <button type="button" className="primary" disabled={busy || names.some((n) => !n.trim())} onClick={() => run(() => call('escrow:setCustodians', { sessionId: status.sessionId, names: names.map((n) => n.trim()), threshold: Math.min(threshold, names.length) }))}>
            Continue to passphrases
          </button>
        </div>
      )}

      {step === 'passphrases' && status && nextSeal && (
        <PassphraseTurn
          key={`seal-${nextSeal.index}`}
          person={nextSeal.name}
          mode="seal"
          purpose={`Custodian ${nextSeal.index} of ${status.custodians.length}: choose the passphrase that will open your share of the escrow. Write it down and keep it somewhere only you can reach.`}
          context={context}
          submitLabel="Seal my share"
          onSubmit={async (p) => setStatus(await call('escrow:enterPassphrase', { sessionId: status.sessionId, index: nextSeal.index, passphrase: p }))}
        />
      )}

      {step === 'save' && status && (
        <div className="escrow-card">
          <h2>Save the escrow files</h2>
          <p>Every custodian has sealed their share. Save the escrow file{t === 1 ? ', one OpenSSL file per custodian,' : ''} and the restore sheet to the ceremony folder.</p>
          <button type="button" className="primary" disabled={busy} onClick={() => run(() => call('escrow:write', { sessionId: status.sessionId }))}>
            {busy ? 'Saving…' : 'Save files'}
          </button>
        </div>
      )}

      {status?.written && (step === 'restore' || step === 'done') && (
        <div className="escrow-card escrow-files" data-testid="files">
          <h2>Files</h2>
          <p className="escrow-hint">
            Folder <code>{status.written.folder}</code>
          </p>
          <ul className="escrow-list">
            {status.written.artifacts.map((a) => (
              <li key={a.file}>
                <code>{a.file}</code> <span className="escrow-hint">{a.kdf}</span>
              </li>
            ))}
            <li>
              <code>{base(status.written.sheetFile)}</code> <span className="escrow-hint">restore sheet (no secrets)</span>
            </li>
          </ul>
          <p className="escrow-hint" data-testid="weakest">
            The weakest file sets the strength: {status.written.weakest.file}, about {status.written.weakest.gpuGuessesPerSecond.toLocaleString('en')} guesses per second per high-end GPU.
          </p>
        </div>
      )}

      {step === 'restore' && status && (
        <>
          <div className="escrow-card">
            <h2>Test-restore from disk</h2>
            <p>
              {t === 1
                ? 'Each custodian now reopens the saved files (escrow file and their OpenSSL file) with their passphrase. Escrow is not done until every custodian has succeeded.'
                : `${t} custodians now reopen the saved escrow file together. Escrow is not done until ${t} have succeeded and the restored key matches the fingerprint.`}
            </p>
            <ul className="escrow-list" data-testid="restore-progress">
              {status.custodians.map((c) => (
                <li key={c.index}>
                  {c.name} <span className={`escrow-badge${c.restoreVerified ? ' ok' : ''}`}>{c.restoreVerified ? 'opened from disk' : 'not yet'}</span>
                </li>
              ))}
            </ul>
            <p className="escrow-hint">
              {verifiedCount} of {t === 1 ? status.custodians.length : t} done.
            </p>
          </div>
          {nextRestore && (
            <PassphraseTurn
              key={`restore-${nextRestore.index}-${verifiedCount}`}
              person={nextRestore.name}
              mode="restore"
              purpose="Type your escrow passphrase. Key Holder reopens the saved file with it and checks the key's fingerprint."
              context={context}
              submitLabel="Test-restore"
              onSubmit={async (p) => setStatus(await call('escrow:testRestore', { sessionId: status.sessionId, index: nextRestore.index, passphrase: p }))}
            />
          )}
        </>
      )}

      {step === 'done' && status && (
        <>
          <div className="escrow-ok" role="status" data-testid="escrow-done">
            Escrow done: the saved files were reopened from disk and the key matched fingerprint {status.key.checkValue}. A receipt was recorded.
          </div>
          <div className="escrow-card">
            <h2>Restore sheet</h2>
            <p>Print the one-page sheet and keep it with the escrow file.</p>
            <button type="button" className="primary" onClick={() => setPrinting(true)}>
              Print the instruction sheet
            </button>
          </div>
          <div className="escrow-card">
            <h2>Key-holder copies</h2>
            <p>
              Each key holder gets their own copy, sealed to their own passphrase, to import into their own key store. The file name carries the holder&apos;s label and the
              fingerprint, never the key. Carry it to the holder&apos;s workstation (removable media) and pick it there with “Choose the file…” on the Import screen.
            </p>
            <ul className="escrow-list" data-testid="holder-copies">
              {status.holderCopies.map((h) => (
                <li key={h.file}>
                  {h.label}: <code>{base(h.file)}</code>
                </li>
              ))}
            </ul>
            {holderTurn ? (
              <PassphraseTurn
                key={`holder-${holderTurn}`}
                person={holderTurn}
                mode="seal"
                purpose="Choose the passphrase for your key-holder copy. Whoever you choose as its knower types it when the copy is imported into your vault; tell it to them, not to the keeper."
                context={[...context, holderTurn]}
                submitLabel="Make my copy"
                onSubmit={async (p) => {
                  setStatus(await call('escrow:holderCopy', { sessionId: status.sessionId, label: holderTurn, passphrase: p }));
                  setHolderTurn(null);
                  setHolder('');
                }}
              />
            ) : (
              <div className="escrow-field">
                <label htmlFor="holder-label">Key holder</label>
                <div className="escrow-row">
                  <input id="holder-label" type="text" value={holder} maxLength={80} placeholder="e.g. Key holder 1 - Jane Smith" onChange={(e) => setHolder(e.target.value)} style={{ flex: 1 }} />
                  <button type="button" className="secondary" disabled={!holder.trim()} onClick={() => setHolderTurn(holder.trim())}>
                    Make a copy
                  </button>
                </div>
              </div>
            )}
          </div>
        </>
      )}
    </section>
  );
}
