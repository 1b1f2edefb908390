/**
 * A secret the Node side keeps sealed. The page never holds the stored value
 * unless the holder presses "Reveal" (which asks the Node side for it and
 * hides it again after a minute); a new value is typed masked, with an
 * explicit "Show" toggle.
 */
import { useEffect, useId, useState } from 'react';

export type SecretState = 'none' | 'stored' | 'unreadable';
export type SecretEdit = { action: 'keep' } | { action: 'set'; value: string } | { action: 'clear' };

export interface SecretFieldProps {
  id: string;
  label: React.ReactNode;
  hint?: string;
  stored: SecretState;
  edit: SecretEdit;
  onEdit(edit: SecretEdit): void;
  /** Fetches the stored secret for an explicit reveal. */
  reveal(): Promise<string>;
  error?: React.ReactNode;
  describedBy?: string;
  invalid?: boolean;
  onBlur?(): void;
}

const REVEAL_MS = 60_000;

export function SecretField(p: SecretFieldProps) {
  const [shown, setShown] = useState<string | null>(null);
  const [showTyped, setShowTyped] = useState(false);
  const [revealError, setRevealError] = useState<string | null>(null);
  const hintId = useId();

  useEffect(() => {
    if (shown === null) return;
    const t = setTimeout(() => setShown(null), REVEAL_MS);
    return () => clearTimeout(t);
  }, [shown]);
  useEffect(() => {
    if (p.edit.action !== 'keep') setShown(null);
  }, [p.edit.action]);

  const describedBy = [p.hint ? hintId : '', p.describedBy ?? ''].filter(Boolean).join(' ') || undefined;

  if (p.edit.action === 'set' || (p.stored === 'none' && p.edit.action !== 'clear')) {
    const value = p.edit.action === 'set' ? p.edit.value : '';
    return (
      <div className="field">
        <label htmlFor={p.id}>{p.label}</label>
        {p.hint && (
          <div className="hint" id={hintId}>
            {p.hint}
          </div>
        )}
        <div className="secret-row">
          <input
            id={p.id}
            type={showTyped ? 'text' : 'password'}
            autoComplete="off"
            spellCheck={false}
            value={value}
            aria-invalid={p.invalid || undefined}
            aria-describedby={describedBy}
            onChange={(e) => p.onEdit(e.target.value === '' && p.stored === 'none' ? { action: 'keep' } : { action: 'set', value: e.target.value })}
            onBlur={p.onBlur}
          />
          <button type="button" className="secondary small" aria-pressed={showTyped} onClick={() => setShowTyped((s) => !s)}>
            {showTyped ? 'Hide' : 'Show'}
          </button>
          {p.stored !== 'none' && (
            <button type="button" className="link small" onClick={() => p.onEdit({ action: 'keep' })}>
              Cancel
            </button>
          )}
        </div>
        {p.error}
      </div>
    );
  }

  return (
    <div className="field">
      <span className="label" id={`${p.id}-label`}>
        {p.label}
      </span>
      <div className="secret-row" role="group" aria-labelledby={`${p.id}-label`}>
        {p.edit.action === 'clear' ? (
          <span className="secret-status">Will be removed when you save</span>
        ) : p.stored === 'unreadable' ? (
          <span className="secret-status warning">Stored, but this computer cannot open it: enter it again</span>
        ) : shown !== null ? (
          <code className="secret-value" data-testid={`${p.id}-revealed`}>
            {shown}
          </code>
        ) : (
          <span className="secret-status" data-testid={`${p.id}-masked`}>
            <span aria-hidden="true">••••••••••••</span> Stored securely
          </span>
        )}
        {p.stored === 'stored' && p.edit.action === 'keep' && (
          <button
            type="button"
            className="secondary small"
            onClick={async () => {
              if (shown !== null) return setShown(null);
              setRevealError(null);
              try {
                setShown(await p.reveal());
              } catch (e) {
                setRevealError((e as Error).message);
              }
            }}
          >
            {shown !== null ? 'Hide' : 'Reveal'}
          </button>
        )}
        {p.edit.action === 'keep' && (
          <button type="button" className="secondary small" onClick={() => p.onEdit({ action: 'set', value: '' })}>
            Replace
          </button>
        )}
        {p.edit.action === 'keep' && p.stored !== 'none' && (
          <button type="button" className="link small" onClick={() => p.onEdit({ action: 'clear' })}>
            Remove
          </button>
        )}
        {p.edit.action === 'clear' && (
          <button type="button" className="link small" onClick={() => p.onEdit({ action: 'keep' })}>
            Undo
          </button>
        )}
      </div>
      {revealError && (
        <div className="field-error" role="alert">
          {revealError}
        </div>
      )}
      {p.error}
    </div>
  );
}
