/**
 * Rotation to a new primary key, one step at a time; every step is recorded
 * on the Node side, so the panel resumes where the rotation stands.
 */
import { useState } from 'react';
import { call } from '../../app/api';
import { Notice } from '../../ui/Notice';
import { formatMoment } from '../../../shared/format/dates';
import type { KeyRotationViewShape } from '../../../shared/ipc/channels/lifecycle';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { SupervisedPanel } from '../activation/SupervisedPanel';

type Activation = ResponseOf<'activation:state'>;

const STEPS: { id: KeyRotationViewShape['step']; title: string }[] = [
  { id: 'add-key', title: 'New source key added to the escrow' },
  { id: 'import', title: 'Imported into your vault' },
  { id: 'submit', title: 'Submitted to the vendor' },
  { id: 'wait-available', title: 'New primary key Available' },
  { id: 'wait-no-longer-in-use', title: 'Old key No longer in use in every library' },
  { id: 'wait-90-days', title: '90 days kept after No longer in use' },
  { id: 'disable-offered', title: 'Old key disabled (never deleted)' },
];

export function KeyRotationPanel({ rotation, onChange }: { rotation: KeyRotationViewShape | null; onChange(): void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [escrowFile, setEscrowFile] = useState('');
  const [copies, setCopies] = useState(['', '']);
  const [copyPath, setCopyPath] = useState('');
  const [activation, setActivation] = useState<Activation | null>(null);
  const [typed, setTyped] = useState('');

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

  /** One hand-over turn of the supervised re-seal or import; when its purpose is carried out the rotation moves on. */
  const act = async (fn: () => Promise<Activation>) => {
    setError(null);
    try {
      const v = await fn();
      setActivation(v);
      if (v.step === 'done' && !v.ended) onChange();
    } catch (e) {
      setError((e as Error).message);
      if (activation) setActivation(await call('activation:state', { session: activation.session }).catch(() => activation));
    }
  };

  const r = rotation;
  const at = r ? STEPS.findIndex((s) => s.id === r.step) : -1;
  return (
    <section aria-labelledby="rot-title" className="card" data-testid="key-rotation" data-step={r?.step ?? 'none'}>
      <h2 id="rot-title">Key rotation: a new primary key</h2>
      <p>A new ceremony: a new source key in the same escrow file (new key ID), imported into both vaults, submitted as a new primary key. The old key stays enabled until the vendor reports it No longer in use everywhere, then 90 more days.</p>
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
          {r.newKey && <p>New key ID {r.newKey.keyId}.</p>}
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
          <label>
            Escrow file
            <input value={escrowFile} onChange={(e) => setEscrowFile(e.target.value)} />
          </label>
          {copies.map((c, i) => (
            <label key={i}>
              Key-holder copy {i + 1} file
              <input value={c} onChange={(e) => setCopies(copies.map((x, j) => (j === i ? e.target.value : x)))} />
            </label>
          ))}
          <button type="submit" className="primary" disabled={busy || !escrowFile}>
            Start the supervised re-seal
          </button>
        </form>
      )}
      {r?.step === 'import' && !activation && (
        <form
          aria-label="Import the new key"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => call('lifecycle:key-rotation-import', { holderCopyPath: copyPath }).then(setActivation));
          }}
        >
          <p>The new key is opened only in a supervised activation, as at the first import: the keeper brings your key-holder copy, a different person types its passphrase, and the supervisor attests before anything reaches the vault.</p>
          <label>
            Your key-holder copy
            <input value={copyPath} onChange={(e) => setCopyPath(e.target.value)} />
          </label>
          <button type="submit" className="primary" disabled={busy || !copyPath}>
            Start the supervised import
          </button>
        </form>
      )}
      {activation && (r?.step === 'add-key' || r?.step === 'import' || activation.step === 'done') && (
        <section aria-label={activation.purpose.kind === 'escrow-rewrap' ? 'Supervised re-seal of the escrow' : 'Supervised import of the new key'} className="card" data-testid="rotation-activation">
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
        <button type="button" className="secondary" disabled={busy} onClick={() => void run(() => call('lifecycle:key-rotation-submit', {}))}>
          Submit the new key store
        </button>
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
            The old key may now be disabled. It will be kept (never deleted): backups may still need it.
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
      {r?.step === 'done' && <p data-testid="rot-done">Old key disabled on {r.disabledAt ? formatMoment(r.disabledAt, { zone: true }) : 'a date not recorded'}; it is kept in the vault.</p>}
    </section>
  );
}
