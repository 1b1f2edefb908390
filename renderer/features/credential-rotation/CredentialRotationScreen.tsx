/**
 * The client-secret rotation wizard. Everything shown comes from the durable
 * rotation state on the Node side, so the wizard resumes where it stood after
 * days or a restart. The new secret appears only masked: the app keeps it,
 * sends it sealed to the control plane and stores it in the worksheet.
 */
import { useCallback, useEffect, useState } from 'react';
import { call } from '../../app/api';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { isKeyholderError } from '../../../shared/errors/index';
import { formatMoment } from '../../../shared/format/dates';
import { Notice } from '../../ui/Notice';
import './credential-rotation.css';

type Plan = ResponseOf<'credential-rotation:plan'>;
type View = ResponseOf<'credential-rotation:get'>;

const sourceWords: Record<Plan['rule']['source'], string> = {
  'app-policy': 'this application’s management policy',
  'tenant-default': 'your tenant’s default app-management policy',
  'azure-default': 'Azure’s own limit (no stricter policy could be read)',
};

function message(e: unknown): { code: string; text: string } {
  return isKeyholderError(e) ? { code: e.code, text: e.message } : { code: 'unknown', text: 'Something went wrong. Try again.' };
}

function formatRemaining(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${h} h ${String(m).padStart(2, '0')} min ${String(sec).padStart(2, '0')} s`;
}

/** Deadlines and expiries: the holder's own clock, with its zone named. */
function when(iso: string): string {
  return formatMoment(iso, { zone: true });
}

function Countdown({ view }: { view: View }) {
  const [fetchedAt] = useState(() => Date.now());
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);
  const left = Math.max(0, view.overlapRemainingMs - (Date.now() - fetchedAt));
  return (
    <p className="rotation-countdown" data-testid="overlap-countdown" aria-live="off">
      {left > 0 ? (
        <>
          The vendor keeps using the old secret until <strong>{when(view.overlapEndsAt!)}</strong>: <span className="rotation-clock">{formatRemaining(left)}</span> left.
        </>
      ) : (
        <>The 24-hour overlap is over. You can remove the old secret now.</>
      )}
    </p>
  );
}

function KeyRotationPanel({ view, onChange }: { view: View; onChange(v: View | null): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; text: string } | null>(null);
  const [reason, setReason] = useState('');
  const [overrideOpen, setOverrideOpen] = useState(false);

  const run = async (f: () => Promise<View | null>) => {
    setBusy(true);
    setError(null);
    try {
      onChange(await f());
    } catch (e) {
      const m = message(e);
      setError(m);
      if (m.code === 'rotation.overlap_not_over') setOverrideOpen(true);
    } finally {
      setBusy(false);
    }
  };

  const inOverlap = view.phase === 'overlap';
  return (
    <div className="rotation-panel" data-testid="rotation-panel" data-phase={view.phase} data-step={view.step}>
      <p className="rotation-meta">
        Key holder {view.holder} · application {view.newAppId ?? view.appId} · started {when(view.startedAt)}
        {view.signedInAs ? ` · signed in as ${view.signedInAs}` : ''}
      </p>
      <ol className="rotation-steps">
        {view.steps.map((s) => (
          <li key={s.n} data-status={s.status} aria-current={s.status === 'current' ? 'step' : undefined} data-testid="rotation-step">
            <span className="rotation-step-n">{s.n}</span> {s.title}
            <span className="visually-hidden"> ({s.status})</span>
          </li>
        ))}
      </ol>
      {view.newSecret ? (
        <dl className="rotation-secret">
          <dt>New client secret</dt>
          <dd>
            <code data-testid="new-secret-masked">{view.newSecret.masked}</code>{' '}
            {view.phase === 'done' ? '(now on worksheet line 4, kept in this computer’s secure storage)' : '(kept by Key Holder; sent sealed to the control plane; written to worksheet line 4 at the end)'}
          </dd>
          <dt>Ends</dt>
          <dd>{when(view.newSecret.endDateTime)}</dd>
        </dl>
      ) : null}
      {view.confirmedAt ? <p>The control plane confirmed on {when(view.confirmedAt)} that it reached your vault with the new credentials.</p> : null}
      {inOverlap ? <Countdown key={view.now} view={view} /> : null}
      {view.lastError ? (
        <Notice tone="warning" testId="rotation-last-error">
          Last attempt ({when(view.lastError.at)}): {view.lastError.message}
        </Notice>
      ) : null}
      {view.rejection ? <Notice tone="error">The control plane refused the new credentials: {view.rejection.reason} The old secret stays; the new one {view.phase === 'rolled-back' ? 'was removed' : 'is being removed'}.</Notice> : null}
      {view.override ? <Notice tone="warning">The overlap was cut short on {when(view.override.at)}. Reason recorded: “{view.override.reason}”</Notice> : null}
      {error ? (
        <Notice tone="error" testId="rotation-error">
          {error.text}
        </Notice>
      ) : null}
      {view.phase === 'done' ? (
        <Notice tone="success" testId="rotation-done">
          Rotation complete. The old secret no longer signs in, worksheet line 4 holds the new one, and the expiry reminders start again from its end date.
        </Notice>
      ) : null}
      <div className="rotation-actions">
        {!view.finished && !inOverlap ? (
          <button type="button" className="primary" disabled={busy} onClick={() => run(() => call('credential-rotation:advance', { rotationId: view.rotationId }))}>
            {view.step === 1 && !view.lastError ? 'Start: sign in and add the new secret' : 'Continue the rotation'}
          </button>
        ) : null}
        {inOverlap ? (
          <button type="button" className="primary" disabled={busy} onClick={() => run(() => call('credential-rotation:remove-old', { rotationId: view.rotationId }))}>
            Remove the old secret
          </button>
        ) : null}
        {view.phase === 'sign-in' || view.phase === 'add-password' ? (
          <button type="button" className="secondary" disabled={busy} onClick={() => run(async () => (await call('credential-rotation:abandon', { rotationId: view.rotationId }), null))}>
            Abandon this rotation
          </button>
        ) : null}
      </div>
      {inOverlap && overrideOpen ? (
        <form
          className="rotation-override"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => call('credential-rotation:remove-old', { rotationId: view.rotationId, overrideReason: reason }));
          }}
        >
          <label htmlFor="override-reason">Why must the old secret go before the vendor’s 24 hours are over? (recorded with the rotation)</label>
          <textarea id="override-reason" value={reason} onChange={(e) => setReason(e.target.value)} rows={3} maxLength={500} />
          <button type="submit" className="danger" disabled={busy || reason.trim().length < 10}>
            Remove it anyway
          </button>
        </form>
      ) : null}
      <details className="rotation-history">
        <summary>History</summary>
        <ol>
          {view.history.map((h, i) => (
            <li key={i}>
              {when(h.at)}: {h.event}
              {h.note && h.event !== 'password-added' ? ` (${h.note})` : ''}
            </li>
          ))}
        </ol>
      </details>
    </div>
  );
}

function PlanPanel({ holder, onStarted }: { holder: 1 | 2; onStarted(v: View): void }) {
  const [plan, setPlan] = useState<Plan | null>(null);
  const [error, setError] = useState<{ code: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [oldKeyId, setOldKeyId] = useState('');
  const [end, setEnd] = useState('');

  const load = useCallback(() => {
    setError(null);
    call('credential-rotation:plan', { holder }).then(
      (p) => {
        setPlan(p);
        setOldKeyId(p.credentials.find((c) => c.onWorksheet)?.keyId ?? '');
        setEnd(p.rule.suggestedEndDateTime.slice(0, 10));
      },
      (e: unknown) => setError(message(e)),
    );
  }, [holder]);
  useEffect(load, [load]);

  const act = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  if (!plan) return error ? <Notice tone="error" testId="rotation-error">{error.text}</Notice> : <p>Reading worksheet line 3 and the application…</p>;
  return (
    <div className="rotation-plan" data-testid="rotation-plan">
      <p>
        Application (worksheet line 3): <code>{plan.appId}</code>
        <br />
        Tenant: <code>{plan.tenantId}</code>
      </p>
      {!plan.signedIn ? (
        <>
          <p>Step 1: sign in as key holder {holder} so Key Holder can read and change the application’s secrets in Microsoft Graph.</p>
          <button type="button" className="primary" disabled={busy} onClick={() => act(async () => (await call('credential-rotation:sign-in', { holder }), load()))}>
            Sign in
          </button>
        </>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act(async () => {
              const started = await call('credential-rotation:start', { holder, oldKeyId, endDateTime: `${end}T00:00:00Z` });
              onStarted(started);
              onStarted(await call('credential-rotation:advance', { rotationId: started.rotationId }).catch(() => started));
            });
          }}
        >
          <p data-testid="signed-in-as">Signed in as {plan.account}.</p>
          <fieldset>
            <legend>The secret being replaced (the one on worksheet line 4)</legend>
            {plan.credentials.length === 0 ? <p>The application has no client secrets.</p> : null}
            {plan.credentials.map((c) => (
              <label key={c.keyId} className="rotation-choice">
                <input type="radio" name="old" value={c.keyId} checked={oldKeyId === c.keyId} onChange={() => setOldKeyId(c.keyId)} /> {c.displayName ?? '(no name)'} · starts with <code>{c.hint ?? '?'}</code> · ends{' '}
                {c.endDateTime ? when(c.endDateTime) : '?'} {c.onWorksheet ? <strong>(on your worksheet)</strong> : null}
              </label>
            ))}
          </fieldset>
          <label htmlFor="rotation-end" className="rotation-end-label">
            New secret ends on
          </label>
          <input id="rotation-end" type="date" value={end} max={plan.rule.maxEndDateTime.slice(0, 10)} onChange={(e) => setEnd(e.target.value)} required />
          <p className="rotation-rule" data-testid="rotation-rule">
            Longest allowed: {plan.rule.maxLifetime} ({sourceWords[plan.rule.source]}), so {when(plan.rule.maxEndDateTime)} at the latest. Suggested: the shorter of 12 months and that.
          </p>
          {!plan.rule.additionAllowed ? <Notice tone="error">Your tenant’s policy does not allow new client secrets for this application.</Notice> : null}
          <button type="submit" className="primary" disabled={busy || !oldKeyId || !end || !plan.rule.additionAllowed}>
            Start the rotation
          </button>
        </form>
      )}
      {error ? (
        <Notice tone="error" testId="rotation-error">
          {error.text}
        </Notice>
      ) : null}
    </div>
  );
}

export function CredentialRotationScreen() {
  const [holder, setHolder] = useState<1 | 2>(1);
  const [view, setView] = useState<View | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setLoaded(false);
    call('credential-rotation:list', {}).then(
      (r) => {
        setView(r.rotations.find((v) => v.holder === holder && !v.finished) ?? null);
        setLoaded(true);
      },
      (e: unknown) => setError(message(e).text),
    );
  }, [holder]);

  return (
    <section aria-labelledby="rotation-title">
      <h1 id="rotation-title">Credential rotation: the client secret</h1>
      <p>
        Replaces the client secret on worksheet line 4 without cutting the vendor off: the new secret goes to the vendor first, and the old one stays valid for 24 hours after the
        control plane confirms it reached your vault.
      </p>
      <fieldset className="rotation-holder">
        <legend>Key holder</legend>
        {([1, 2] as const).map((h) => (
          <label key={h}>
            <input type="radio" name="holder" checked={holder === h} onChange={() => setHolder(h)} /> Key holder {h}
          </label>
        ))}
      </fieldset>
      {error ? <Notice tone="error">{error}</Notice> : null}
      {!loaded ? null : view ? <KeyRotationPanel view={view} onChange={setView} /> : <PlanPanel holder={holder} onStarted={setView} />}
    </section>
  );
}
