/**
 * One person's turn at the keyboard: a hand-over screen first (everyone else
 * looks away), then the passphrase entry. Keyed by person, so nothing typed
 * by one custodian is still on screen or in state when the next one sits down.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { call } from '../../app/api';
import type { ResponseOf } from '../../../shared/ipc/contract';

type Strength = ResponseOf<'escrow:assess'>;

export interface PassphraseTurnProps {
  person: string;
  /** "seal": choose a new passphrase (twice, with the meter); "restore": type the existing one. */
  mode: 'seal' | 'restore';
  purpose: string;
  context: string[];
  submitLabel: string;
  onSubmit(passphrase: string): Promise<void>;
}

export function PassphraseTurn(p: PassphraseTurnProps) {
  const [ready, setReady] = useState(false);
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const [show, setShow] = useState(false);
  const [strength, setStrength] = useState<Strength | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  const ids = { pass: useId(), again: useId(), meter: useId() };

  useEffect(() => {
    if (ready) first.current?.focus();
  }, [ready]);

  useEffect(() => {
    if (p.mode !== 'seal' || !pass) return setStrength(null);
    let live = true;
    const t = setTimeout(() => {
      call('escrow:assess', { passphrase: pass, context: p.context }).then((s) => live && setStrength(s), () => live && setStrength(null));
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [pass, p.mode, p.context]);

  if (!ready) {
    return (
      <div className="escrow-handover" data-testid="handover">
        <h2>Hand the keyboard to {p.person}</h2>
        <p>Everyone else, please look away from the screen. {p.purpose}</p>
        <button type="button" className="primary" onClick={() => setReady(true)}>
          I am {p.person}: continue
        </button>
      </div>
    );
  }

  const mismatch = p.mode === 'seal' && again.length > 0 && again !== pass;
  const canSubmit = !busy && pass.length > 0 && (p.mode === 'restore' || (strength?.acceptable === true && again === pass));

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!canSubmit) return;
    setBusy(true);
    setError(null);
    try {
      await p.onSubmit(pass);
      setPass('');
      setAgain('');
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <form className="escrow-card" onSubmit={submit} data-testid="passphrase-turn" autoComplete="off">
      <h2>{p.person}</h2>
      <p className="escrow-hint">{p.purpose}</p>
      <div className="escrow-field">
        <label htmlFor={ids.pass}>{p.mode === 'seal' ? 'Choose a passphrase' : 'Your passphrase'}</label>
        <div className="escrow-row">
          <input ref={first} id={ids.pass} type={show ? 'text' : 'password'} value={pass} spellCheck={false} autoComplete="off" onChange={(e) => setPass(e.target.value)} aria-describedby={p.mode === 'seal' ? ids.meter : undefined} style={{ flex: 1 }} />
          <button type="button" className="secondary" aria-pressed={show} onClick={() => setShow((s) => !s)}>
            {show ? 'Hide' : 'Show'}
          </button>
        </div>
      </div>
      {p.mode === 'seal' && (
        <>
          <div id={ids.meter} aria-live="polite">
            <div className="escrow-meter" data-score={strength?.score ?? 0} role="meter" aria-label="Passphrase strength" aria-valuemin={0} aria-valuemax={4} aria-valuenow={strength?.score ?? 0}>
              <div style={{ width: `${((strength?.score ?? 0) + 1) * 20}%` }} />
            </div>
            {strength ? (
              <p className="escrow-hint" data-testid="strength-explanation">
                <strong>{strength.acceptable ? 'Strong enough. ' : 'Not strong enough yet. '}</strong>
                {strength.explanation}
                {strength.warning ? ` ${strength.warning}` : ''}
                {strength.suggestions.length ? ` ${strength.suggestions.join(' ')}` : ''}
              </p>
            ) : (
              <p className="escrow-hint">Several unrelated words (five or more) are strong and easy to remember. Do not reuse a password from anywhere else.</p>
            )}
          </div>
          <div className="escrow-field">
            <label htmlFor={ids.again}>Type it again</label>
            <input id={ids.again} type={show ? 'text' : 'password'} value={again} spellCheck={false} autoComplete="off" onChange={(e) => setAgain(e.target.value)} aria-invalid={mismatch || undefined} />
            {mismatch && <span className="escrow-hint">The two entries differ.</span>}
          </div>
        </>
      )}
      {error && (
        <div className="escrow-error" role="alert">
          {error}
        </div>
      )}
      <button type="submit" className="primary" disabled={!canSubmit}>
        {busy ? 'Working… (this takes a few seconds on purpose)' : p.submitLabel}
      </button>
    </form>
  );
}
