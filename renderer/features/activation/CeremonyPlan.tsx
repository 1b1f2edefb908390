/**
 * The ceremony plan, before any activation: each participant is enrolled
 * here in front of the supervisor (their own signing key, their roles, a
 * strong passphrase), the plan is carried to the other key holder's
 * workstation as text, and both read its fingerprint aloud. The activation
 * desk later accepts only these keys, in these roles.
 */
import { useEffect, useState } from 'react';
import { call } from '../../app/api';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { Notice } from '../../ui/Notice';

type PlanView = ResponseOf<'activation:plan'>;
type Role = 'keeper' | 'knower' | 'supervisor' | 'operator';

const ROLE_CHOICES: { role: Role; label: string }[] = [
  { role: 'operator', label: 'Operator (runs the app, states the purpose)' },
  { role: 'supervisor', label: 'Supervisor (witnesses and signs the attestation)' },
  { role: 'keeper', label: 'Keeper or custodian (brings the sealed copy or a component)' },
  { role: 'knower', label: 'Knower (knows the sealed copy\'s passphrase)' },
];

export function CeremonyPlan() {
  const [plan, setPlan] = useState<PlanView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [enrolled, setEnrolled] = useState<string | null>(null);
  const [showImport, setShowImport] = useState(false);

  useEffect(() => {
    call('activation:plan', {}).then(setPlan, (e: Error) => setError(e.message));
  }, []);

  return (
    <div className="act-card" data-testid="ceremony-plan">
      <h2>Ceremony plan</h2>
      <p className="act-hint">
        Only the people enrolled here, before the ceremony and in front of the supervisor, can take part in an activation, and only in the roles listed. Each
        person chooses their own passphrase; nobody else sees it.
      </p>
      {error && (
        <Notice tone="error" testId="plan-error">
          {error}
        </Notice>
      )}
      {enrolled && (
        <Notice tone="success" testId="plan-enrolled">
          {enrolled}
        </Notice>
      )}
      {plan && (
        <>
          <p>
            Plan fingerprint <span className="act-check" data-testid="plan-fingerprint">{plan.fingerprint}</span>
          </p>
          <p className="act-hint">Both key holders read this aloud: it must be the same on both workstations before the ceremony starts.</p>
          {plan.participants.length === 0 ? (
            <p data-testid="plan-empty">No one is enrolled yet.</p>
          ) : (
            <ul className="act-list" aria-label="Planned participants">
              {plan.participants.map((p) => (
                <li key={p.id}>
                  <strong>{p.name}</strong>
                  {p.roles.map((r) => (
                    <span key={r} className="act-badge">
                      {r}
                    </span>
                  ))}
                  <span className="act-mono act-hint">key {p.keyFingerprint}</span>
                  {!p.onThisWorkstation && <span className="act-hint">(enrolled at another workstation)</span>}
                </li>
              ))}
            </ul>
          )}
          <p className="act-hint">
            Workstations whose requests may be answered:{' '}
            {plan.workstations.map((w) => (
              <span key={w.keyFingerprint}>
                {w.label} <span className="act-mono">{w.keyFingerprint}</span>{' '}
              </span>
            ))}
          </p>
        </>
      )}
      <EnrolForm
        onEnrolled={(view, name) => {
          setPlan(view);
          setError(null);
          setEnrolled(`${name} is enrolled. Hand the keyboard to the next person.`);
        }}
        onError={(m) => (setError(m), setEnrolled(null))}
      />
      {plan && (
        <p>
          <button type="button" className="link" onClick={() => setShowImport(!showImport)}>
            {showImport ? 'Hide the exchange with the other workstation' : 'Exchange the plan with the other key holder\'s workstation'}
          </button>
        </p>
      )}
      {plan && showImport && <PlanExchange plan={plan} onImported={(v) => (setPlan(v), setError(null))} onError={setError} />}
    </div>
  );
}

function EnrolForm({ onEnrolled, onError }: { onEnrolled(view: PlanView, name: string): void; onError(message: string): void }) {
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<Role[]>([]);
  const [pp, setPp] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      aria-label="Enrol a participant"
      onSubmit={(e) => {
        e.preventDefault();
        if (pp !== again) return onError('The two passphrases differ. Type the same passphrase twice.');
        if (!roles.length) return onError('Choose at least one role for this participant.');
        setBusy(true);
        call('activation:enrol', { name, roles, participantPassphrase: pp }).then(
          (v) => {
            setBusy(false);
            onEnrolled(v, name.trim());
            setName('');
            setRoles([]);
            setPp('');
            setAgain('');
          },
          (err: Error) => {
            setBusy(false);
            setPp('');
            setAgain('');
            onError(err.message);
          },
        );
      }}
    >
      <h3>Enrol a participant</h3>
      <div className="act-field">
        <label htmlFor="plan-name">Full name</label>
        <input id="plan-name" type="text" value={name} onChange={(e) => setName(e.target.value)} required />
      </div>
      <fieldset className="act-field">
        <legend>Roles in this ceremony</legend>
        {ROLE_CHOICES.map((c) => (
          <label key={c.role}>
            <input
              type="checkbox"
              checked={roles.includes(c.role)}
              onChange={(e) => setRoles(e.target.checked ? [...roles, c.role] : roles.filter((r) => r !== c.role))}
            />{' '}
            {c.label}
          </label>
        ))}
        <span className="act-hint">A person may have several roles across activations, but never two in the same activation.</span>
      </fieldset>
      <div className="act-field">
        <label htmlFor="plan-pp">Choose a participant passphrase</label>
        <input id="plan-pp" type="password" autoComplete="new-password" value={pp} onChange={(e) => setPp(e.target.value)} required />
        <span className="act-hint">It protects the key you sign with: several unrelated words, not your name. The same strength rule as custodians&apos; passphrases.</span>
      </div>
      <div className="act-field">
        <label htmlFor="plan-pp2">Type it again</label>
        <input id="plan-pp2" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} required />
      </div>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Enrolling…' : 'Enrol'}
      </button>
    </form>
  );
}

function PlanExchange({ plan, onImported, onError }: { plan: PlanView; onImported(v: PlanView): void; onError(m: string): void }) {
  const [text, setText] = useState('');
  return (
    <div data-testid="plan-exchange">
      <div className="act-field">
        <label htmlFor="plan-out">This workstation&apos;s plan (public keys and signatures only): copy it to the other workstation</label>
        <textarea id="plan-out" readOnly rows={4} value={plan.text} />
      </div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          call('activation:importPlan', { text }).then((v) => (onImported(v), setText('')), (err: Error) => onError(err.message));
        }}
      >
        <div className="act-field">
          <label htmlFor="plan-in">The other workstation&apos;s plan</label>
          <textarea id="plan-in" rows={4} value={text} onChange={(e) => setText(e.target.value)} required />
        </div>
        <button type="submit" className="secondary">
          Add it to this plan
        </button>
      </form>
    </div>
  );
}
