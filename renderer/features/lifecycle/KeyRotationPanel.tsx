/**
 * Rotation to a new primary key, one step at a time; every step is recorded
 * on the Node side, so the panel resumes where the rotation stands.
 */
import { useEffect, useState } from 'react';
import { call } from '../../app/api';
import { Notice } from '../../ui/Notice';
import { formatMoment } from '../../../shared/format/dates';
import type { AwsKeyStoreFacts, KeyRotationViewShape } from '../../../shared/ipc/channels/lifecycle';
import { SupervisedPanel } from '../activation/SupervisedPanel';
import { useActivationTurns } from '../activation/useActivationTurns';
import { HolderCopyChooser } from '../vault/ImportParts';


type Kind = KeyRotationViewShape['keyStoreKind'];

/** The rotation's steps in the key store's own words: a vault's new key version, or a new KMS key beside the previous one. */
function steps(kind: Kind): { id: KeyRotationViewShape['step']; title: string }[] {
  const aws = kind === 'aws-kms';
  return [
    { id: 'add-key', title: aws ? 'New 256-bit key added to the escrow and the key-holder copies' : 'New source key added to the escrow' },
    { id: 'import', title: aws ? 'Imported into a new KMS key in your account, self-tested' : 'Imported into your vault' },
    { id: 'submit', title: aws ? 'New key ARN submitted to the vendor' : 'Submitted to the vendor' },
    { id: 'wait-available', title: aws ? 'Vendor proved both new KMS keys hold the same key: new primary key Available' : 'New primary key Available' },
    { id: 'wait-no-longer-in-use', title: aws ? 'Previous KMS key No longer in use in every library' : 'Old key No longer in use in every library' },
    { id: 'wait-90-days', title: '90 days kept after No longer in use' },
    { id: 'disable-offered', title: aws ? 'Previous KMS key disabled (never scheduled for deletion)' : 'Old key disabled (never deleted)' },
  ];
}

function intro(kind: Kind, aws: AwsKeyStoreFacts | null): string {
  if (kind === 'aws-kms') {
    const lag = aws ? ` The vendor caches data keys for ${aws.cacheMinutes} minute${aws.cacheMinutes === 1 ? '' : 's'}: every change reaches it up to that long after you make it.` : '';
    return `A new ceremony on AWS KMS: a new 256-bit key in the same escrow file (new key ID), imported by each key holder into a new KMS key in their own account (a KMS key never takes other material), self-tested there, and proven by the vendor to be the same key in both accounts (the companion keys’ MACs) before it reports a new primary key. Your previous KMS key stays enabled until the vendor reports it No longer in use everywhere, then 90 more days; it is then disabled, never deleted.${lag}`;
  }
  return 'A new ceremony: a new source key in the same escrow file (new key ID), imported into both vaults, submitted as a new primary key. The old key stays enabled until the vendor reports it No longer in use everywhere, then 90 more days.';
}

export function KeyRotationPanel({ rotation, aws, copiesMadeHere, onChange }: { rotation: KeyRotationViewShape | null; aws: AwsKeyStoreFacts | null; copiesMadeHere: string[]; onChange(): void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [escrowFile, setEscrowFile] = useState('');
  const [copies, setCopies] = useState(['', '']);
  // The re-seal's files made on this workstation (its escrow ceremony's folder), of the rotation's key type.
  const [madeHere, setMadeHere] = useState<{ escrowFiles: string[]; holderCopies: string[] }>({ escrowFiles: [], holderCopies: [] });
  const resealing = rotation?.step === 'add-key';
  useEffect(() => {
    if (!resealing) return;
    void call('lifecycle:key-rotation-reseal-files', {})
      .then((f) => {
        setMadeHere(f);
        setEscrowFile((e) => e || (f.escrowFiles.length === 1 ? f.escrowFiles[0]! : ''));
      })
      .catch(() => undefined);
  }, [resealing]);
  const [copyPath, setCopyPath] = useState('');
  const [joinPath, setJoinPath] = useState('');
  const [typed, setTyped] = useState('');
  // AWS KMS material that expires: the new key's own expiry (the previous import's date may have passed by now).
  const [day, setDay] = useState('');
  const [never, setNever] = useState(false);

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      onChange();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };


  /** The supervised re-seal or import's hand-over turns; when its purpose is carried out the rotation moves on. */
  const { activation, setActivation, act } = useActivationTurns({ onError: setError, onDone: onChange });

  const r = rotation;
  const kind: Kind = r?.keyStoreKind ?? (aws ? 'aws-kms' : 'azure-key-vault');
  const STEPS = steps(kind);
  const at = r ? STEPS.findIndex((s) => s.id === r.step) : -1;
  const isAws = kind === 'aws-kms';
  const expires = isAws && !!aws?.validTo;
  return (
    <section aria-labelledby="rot-title" className="card" data-testid="key-rotation" data-step={r?.step ?? 'none'} data-key-store={kind}>
      <h2 id="rot-title">Key rotation: a new primary key</h2>
      <p>{intro(kind, aws)}</p>
      {error && (
        <Notice tone="error" testId="rot-error">
          {error}
        </Notice>
      )}
      {!r && (
        <button type="button" className="secondary" disabled={busy} onClick={() => void run(() => call('lifecycle:key-rotation-start', {}))}>
          Start a rotation
        </button>
      )}
      {r && (
        <>
          <ol>
            {STEPS.map((s, i) => (
              <li key={s.id} data-done={r.step === 'done' || i < at ? 'yes' : 'no'} aria-current={s.id === r.step ? 'step' : undefined}>
                {r.step === 'done' || i < at ? '✓ ' : s.id === r.step ? '→ ' : ''}
                {s.title}
              </li>
            ))}
          </ol>
          <p data-testid="rot-next">{r.next}</p>
          {r.newKey && (
            <p>
              New key ID {r.newKey.keyId}
              {r.newKey.joined ? ', read from your key-holder copy (the re-seal ran on the other key holder’s workstation).' : '.'}
            </p>
          )}
          {isAws && r.importedKeyVersionId && (
            <p>
              New KMS key: <code data-testid="rot-new-kms-key">{r.importedKeyVersionId}</code>
            </p>
          )}
          {r.oldKey.libraries.length > 0 && (
            <ul aria-label="Old key in the libraries">
              {r.oldKey.libraries.map((l) => (
                <li key={l.libraryId} data-testid="rot-old-library">
                  {l.libraryName}: {l.label}
                </li>
              ))}
            </ul>
          )}
          {r.countdown && (
            <Notice tone="info" testId="rot-countdown">
              {r.countdown.text}
            </Notice>
          )}
        </>
      )}
      {r?.step === 'add-key' && !activation && (
        <form
          aria-label="Add the new key"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => call('lifecycle:key-rotation-add-key', { escrowFile, holderCopies: copies.filter(Boolean) }).then(setActivation));
          }}
        >
          <p>The new key is sealed in a supervised activation: every custodian of the escrow enters their own passphrase, the knower of each key-holder copy enters that copy's, and the supervisor attests before anything is written.</p>
          <HolderCopyChooser
            keyStore={kind}
            legend="Custodians’ escrow file"
            group="reseal-escrow"
            copies={madeHere.escrowFiles}
            chosen={escrowFile}
            onChoose={setEscrowFile}
            choose={() => call('lifecycle:key-rotation-choose-file', { file: 'escrow' })}
            onError={(e) => setError(e?.message ?? null)}
            disabled={busy}
          />
          {copies.map((c, i) => (
            <HolderCopyChooser
              key={i}
              keyStore={kind}
              legend={`Key-holder copy ${i + 1}`}
              group={`reseal-copy-${i + 1}`}
              copies={madeHere.holderCopies}
              chosen={c}
              onChoose={(f) => setCopies(copies.map((x, j) => (j === i ? f : x)))}
              choose={() => call('lifecycle:key-rotation-choose-file', { file: 'holder-copy' })}
              onError={(e) => setError(e?.message ?? null)}
              disabled={busy}
            />
          ))}
          <button type="submit" className="primary" disabled={busy || !escrowFile}>
            Start the supervised re-seal
          </button>
        </form>
      )}
      {r?.step === 'add-key' && !activation && (
        <form
          aria-label="Join a re-seal done on the other workstation"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => call('lifecycle:key-rotation-join', { holderCopyPath: joinPath }));
          }}
        >
          <p>The re-seal runs once, on one workstation, and adds the new key to every key-holder copy brought to it. If it already ran on key holder {r.holder === 1 ? 2 : 1}’s workstation, name your own key-holder copy: Key Holder reads the new key from it (no passphrase now). The vendor later proves both key holders imported the same key.</p>
          <HolderCopyChooser keyStore={kind} legend="Your key-holder copy with the new key" copies={copiesMadeHere} chosen={joinPath} onChoose={setJoinPath} onError={(e) => setError(e?.message ?? null)} disabled={busy} />
          <button type="submit" className="secondary" disabled={busy || !joinPath}>
            Use the new key from my copy
          </button>
        </form>
      )}
      {r?.step === 'import' && !activation && (
        <form
          aria-label="Import the new key"
          onSubmit={(e) => {
            e.preventDefault();
            // The day the holder picks, until its end (UTC), as the expiry card sends it; the Node side checks it before the activation starts.
            const expiry = expires ? { validTo: never ? null : `${day}T23:59:59.000Z` } : {};
            void run(() => call('lifecycle:key-rotation-import', { holderCopyPath: copyPath, ...expiry }).then(setActivation));
          }}
        >
          <p>
            The new key is opened only in a supervised activation, as at the first import: the keeper brings your key-holder copy, a different person types its passphrase, and the supervisor attests before anything reaches {isAws ? 'AWS KMS' : 'the vault'}.
            {isAws && ' Key Holder then creates a new KMS key and companion HMAC key in your account and Region, imports the new key, self-tests both and applies the key policy you approved for the previous key; the previous KMS key is not touched.'}
          </p>
          <HolderCopyChooser keyStore={kind} legend="Your key-holder copy" copies={copiesMadeHere} chosen={copyPath} onChoose={setCopyPath} onError={(e) => setError(e?.message ?? null)} disabled={busy} />
          {expires && (
            <fieldset data-testid="rot-valid-to">
              <legend>When the new key’s material expires</legend>
              <p>
                Your current key material expires on {formatMoment(aws.validTo!, { zone: true })}. Choose the new key’s own expiry (AWS allows at most 365 days ahead), or let it not expire. On that date AWS KMS deletes the material and refuses every use of the key.
              </p>
              <label>
                New key’s expiry date
                <input type="date" value={day} disabled={never} onChange={(e) => setDay(e.target.value)} />
              </label>
              <label className="inline">
                <input type="checkbox" checked={never} onChange={(e) => setNever(e.target.checked)} /> The new key’s material does not expire
              </label>
            </fieldset>
          )}
          <button type="submit" className="primary" disabled={busy || !copyPath || (expires && !never && !day)}>
            Start the supervised import
          </button>
        </form>
      )}
      {activation && (r?.step === 'add-key' || r?.step === 'import' || activation.step === 'done') && (
        <section aria-label={activation.purpose.kind === 'escrow-rewrap' ? 'Supervised re-seal of the escrow' : isAws ? 'Supervised import of the new key into a new KMS key' : 'Supervised import of the new key'} className="card" data-testid="rotation-activation">
          <SupervisedPanel
            view={activation}
            act={act}
            onRestart={() => setActivation(null)}
            wiped={
              <>
                {activation.purpose.kind === 'escrow-rewrap'
                  ? 'The new key was sealed to every custodian and key-holder copy; the passphrases and the new key have been wiped from memory. Recorded in the ceremony transcript.'
                  : 'The new key was used for this import only and has been wiped from memory. Recorded in the ceremony transcript.'}{' '}
                <button type="button" className="secondary small" onClick={() => setActivation(null)}>
                  Close
                </button>
              </>
            }
          />
        </section>
      )}
      {r?.step === 'submit' && (
        <>
          {isAws && <p>Your previous KMS key must still be enabled when you submit: the vendor decrypts its data key with it while it re-encrypts with the new one.</p>}
          <button type="button" className="secondary" disabled={busy} onClick={() => void run(() => call('lifecycle:key-rotation-submit', {}))}>
            Submit the new key store
          </button>
        </>
      )}
      {r?.step === 'disable-offered' && r.disableConfirmation && (
        <form
          aria-label="Disable the old key"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => call('lifecycle:key-rotation-disable-old', { confirmation: typed }));
          }}
        >
          <Notice tone="warning" testId="rot-disable-offer">
            {isAws
              ? `The previous KMS key may now be disabled. It will be kept (never scheduled for deletion): backups may still need it.${aws ? ` The vendor sees the change up to ${aws.cacheMinutes} minutes later (its cache time).` : ''}`
              : 'The old key may now be disabled. It will be kept (never deleted): backups may still need it.'}
          </Notice>
          <p>
            Type exactly: <code>{r.disableConfirmation}</code>
          </p>
          <label>
            Confirmation to disable
            <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
          </label>
          <button type="submit" className="primary" disabled={busy || !typed}>
            Disable the old key
          </button>
        </form>
      )}
      {r?.step === 'done' && (
        <p data-testid="rot-done">
          {isAws ? 'Previous KMS key' : 'Old key'} disabled on {r.disabledAt ? formatMoment(r.disabledAt, { zone: true }) : 'a date not recorded'}; it is kept {isAws ? 'in your account' : 'in the vault'}.
        </p>
      )}
    </section>
  );
}
