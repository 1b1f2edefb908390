/**
 * Supervised activation on one workstation: each person takes the keyboard
 * in turn behind a hand-over screen. Every turn is a fresh component (keyed
 * by the turn), so nothing the last person typed is still on screen or in
 * state. Secrets only go inward; what comes back is the non-secret view.
 */
import { useState } from 'react';
import { call } from '../../app/api';
import { useApp } from '../../app/store';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { Notice } from '../../ui/Notice';
import { RemoteReceive, RemoteSeal } from './Remote';
import { CeremonyPlan } from './CeremonyPlan';
import './activation.css';

type View = ResponseOf<'activation:state'>;
type Role = 'keeper' | 'knower' | 'supervisor' | 'operator';

const ROLE_WORDS: Record<Role, string> = {
  operator: 'the operator',
  supervisor: 'the supervisor',
  keeper: 'the keeper',
  knower: 'the knower',
};
const PURPOSES = [
  { kind: 'escrow-restore', label: 'Restore check: open the escrowed key and confirm it is the right key' },
] as const;

function message(e: unknown): string {
  return (e as { message?: string }).message ?? String(e);
}

export function ActivationScreen() {
  const [view, setView] = useState<View | null>(null);
  const [error, setError] = useState<string | null>(null);

  const act = async (fn: () => Promise<View>) => {
    setError(null);
    try {
      setView(await fn());
    } catch (e) {
      setError(message(e));
      if (view) setView(await call('activation:state', { session: view.session }).catch(() => view));
    }
  };

  return (
    <section aria-labelledby="activation-title">
      <h1 id="activation-title">Supervised activation</h1>
      <p className="act-hint">
        Key material is opened only when those who have it (the keeper) and those who can open it (the knower, or a quorum of custodians) bring it together, under a
        supervisor who signs what happened. Nothing secret is shown here.
      </p>
      {error && (
        <Notice tone="error" testId="activation-error">
          {error}
        </Notice>
      )}
      {!view && <CeremonyPlan />}
      {!view && <StartForm onStart={(req) => act(() => call('activation:start', req))} />}
      {!view && <RemoteSeal />}
      {view && <Progress view={view} />}
      {view && !view.ended && view.step !== 'done' && (
        <Turn key={turnKey(view)} view={view} act={act} />
      )}
      {view && (view.ended || view.step === 'done') && (
        <div className="act-card" data-testid="activation-finished">
          <h2>{view.ended ? 'Activation stopped' : 'Activation finished'}</h2>
          <p>{view.ended ? view.ended.message : 'The purpose was carried out and the key material has been wiped from memory.'}</p>
          {view.result && (
            <ul className="act-list">
              {Object.entries(view.result).map(([k, v]) => (
                <li key={k}>
                  <strong>{k}</strong> <span className="act-mono">{String(v)}</span>
                </li>
              ))}
            </ul>
          )}
          <p className="act-hint">
            Recorded in the ceremony transcript <code>{view.transcriptFile}</code>.
          </p>
          <button type="button" className="secondary" onClick={() => (setView(null), setError(null))}>
            Start another activation
          </button>
        </div>
      )}
      {view && !view.ended && view.step !== 'done' && (
        <p>
          <button type="button" className="link" onClick={() => act(() => call('activation:cancel', { session: view.session }))}>
            Cancel the activation and wipe
          </button>
        </p>
      )}
    </section>
  );
}

export function turnKey(v: View): string {
  return `${v.session}:${v.waitingFor}:${v.step === 'supervisor-attests' ? 'attest' : v.step === 'carry-out' ? 'carry' : 'join'}:${v.checkValues.length}`;
}

function StartForm({ onStart }: { onStart(req: { mode: 'split-knowledge' | 'quorum'; escrowFile: string; purpose: { kind: 'escrow-restore'; target: string } }): void }) {
  const go = useApp((st) => st.go);
  const [mode, setMode] = useState<'split-knowledge' | 'quorum'>('split-knowledge');
  const [file, setFile] = useState('');
  const [kind, setKind] = useState<'escrow-restore'>('escrow-restore');
  const [target, setTarget] = useState('');
  return (
    <form
      className="act-card"
      onSubmit={(e) => {
        e.preventDefault();
        onStart({ mode, escrowFile: file, purpose: { kind, target } });
      }}
    >
      <h2>Start an activation</h2>
      <p className="act-hint" data-testid="import-elsewhere">
        To import your key into your vault, start from the{' '}
        <button type="button" className="link" onClick={() => go('import')}>
          Import screen
        </button>
        : it checks your holder, your vault and that the vendor registered it before anything is opened.
      </p>
      <fieldset className="act-field">
        <legend>How the key is opened</legend>
        <label>
          <input type="radio" name="mode" checked={mode === 'split-knowledge'} onChange={() => setMode('split-knowledge')} /> Split knowledge: a keeper brings the sealed copy, a knower
          types its passphrase
        </label>
        <label>
          <input type="radio" name="mode" checked={mode === 'quorum'} onChange={() => setMode('quorum')} /> Quorum: custodians enter their components in turn
        </label>
      </fieldset>
      <div className="act-field">
        <label htmlFor="act-file">{mode === 'quorum' ? 'Escrow file' : 'Sealed copy (holder copy file)'}</label>
        <input id="act-file" type="text" value={file} onChange={(e) => setFile(e.target.value)} required />
      </div>
      <div className="act-field">
        <label htmlFor="act-purpose">Purpose</label>
        <select id="act-purpose" value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
          {PURPOSES.map((p) => (
            <option key={p.kind} value={p.kind}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      <div className="act-field">
        <label htmlFor="act-target">What it is for (recorded in the transcript)</label>
        <input id="act-target" type="text" value={target} onChange={(e) => setTarget(e.target.value)} required />
      </div>
      <button type="submit" className="primary">
        Start the activation
      </button>
    </form>
  );
}

export function Progress({ view }: { view: View }) {
  return (
    <div className="act-card" data-testid="activation-progress">
      <h2>
        {view.mode === 'quorum' ? `Quorum of ${view.threshold}` : view.mode === 'rewrap' ? 'Re-seal to every custodian and copy' : 'Split knowledge'}: {view.purpose.target}
      </h2>
      <p className="act-hint">
        Now: <span data-testid="activation-step">{view.waitingWords}</span>
      </p>
      {view.copyFingerprint && (
        <p>
          Sealed copy <span className="act-mono" data-testid="copy-fingerprint">{view.copyFingerprint}</span>
        </p>
      )}
      <ul className="act-list" aria-label="Participants">
        {view.participants.map((p) => (
          <li key={p.id}>
            <span className="act-badge">{p.role}</span> {p.name} <span className="act-mono act-hint">key {p.keyFingerprint}</span>
          </li>
        ))}
      </ul>
      {view.mode === 'quorum' && (
        <p data-testid="quorum-count">
          {view.checkValues.length} of {view.threshold} components entered
        </p>
      )}
      {view.mode === 'rewrap' && (
        <p data-testid="rewrap-count">
          {view.custodians.filter((c) => c.entered).length} of {view.custodians.length} custodians and {view.copies.filter((c) => c.entered).length} of {view.copies.length} key-holder copies
          entered
        </p>
      )}
      {view.checkValues.length > 0 && (
        <p>
          Check values:{' '}
          {view.checkValues.map((c, i) => (
            // In a re-seal of a 1-of-N escrow every custodian's part has the same check value: keyed by position.
            <span key={`${i}:${c}`} className="act-check" data-testid="check-value">
              {c}{' '}
            </span>
          ))}
        </p>
      )}
    </div>
  );
}

export function Turn({ view, act }: { view: View; act(fn: () => Promise<View>): Promise<void> }) {
  const role = view.waitingFor as Role | null;
  const [ready, setReady] = useState(false);
  const [name, setName] = useState('');
  const [pp, setPp] = useState('');
  const [secret, setSecret] = useState('');
  const rewrap = view.mode === 'rewrap';
  const copyTurn = rewrap && view.step === 'knower-enters';
  const [custodian, setCustodian] = useState((copyTurn ? view.copies : view.custodians).find((c) => !c.entered)?.id ?? '');
  if (!role) return null;
  const who = copyTurn ? 'the knower of a key-holder copy' : ROLE_WORDS[role];
  const byCustodian = (view.mode === 'quorum' || rewrap) && role === 'keeper';
  if (!ready) {
    return (
      <div className="act-handover" data-testid="handover">
        <h2>Hand the keyboard to {byCustodian ? 'the next custodian' : who}</h2>
        <p>Everyone else, please look away from the screen. Nothing the previous person typed is kept on it.</p>
        <button type="button" className="primary" onClick={() => setReady(true)}>
          I am {byCustodian ? 'a custodian' : who}: continue
        </button>
      </div>
    );
  }
  const session = view.session;
  const joinedKeeper = !!view.pendingKeeper && (view.step === 'keeper-presents' || view.step === 'custodians-enter');
  const joinedKnower = view.step === 'knower-enters' && (copyTurn ? !!view.pendingKeeper : view.participants.some((p) => p.role === 'knower'));

  if (view.step === 'supervisor-attests') {
    return (
      <form className="act-card" onSubmit={(e) => (e.preventDefault(), void act(() => call('activation:attest', { session, participantPassphrase: pp })))}>
        <h2>Supervisor: attest what you witnessed</h2>
        <p>
          Purpose: <strong>{view.purpose.target}</strong> ({view.purpose.kind}). Participants and check values are listed above.{' '}
          {view.mode === 'rewrap'
            ? 'By signing you attest that every custodian and key-holder copy knower listed entered their own passphrase, for this re-seal only.'
            : 'By signing you attest that the key material was opened only for this purpose and nothing else was done with it.'}
        </p>
        <div className="act-field">
          <label htmlFor="act-pp">Your participant passphrase</label>
          <input id="act-pp" type="password" autoComplete="off" value={pp} onChange={(e) => setPp(e.target.value)} required />
        </div>
        <button type="submit" className="primary">
          Sign the attestation
        </button>
      </form>
    );
  }
  if (view.step === 'carry-out') {
    return (
      <div className="act-card">
        <h2>Operator: carry out the purpose</h2>
        <p>The supervisor has attested. The key material is used once, for this purpose only, and then wiped.</p>
        <button type="button" className="primary" onClick={() => void act(() => call('activation:carryOut', { session }))}>
          Carry out: {view.purpose.target}
        </button>
      </div>
    );
  }
  if (joinedKeeper && view.step === 'keeper-presents') {
    return (
      <div className="act-card">
        <h2>Keeper: present the sealed copy</h2>
        <p>
          Confirm that the copy you brought is <span className="act-mono">{view.copyFingerprint}</span>.
        </p>
        <button type="button" className="primary" onClick={() => void act(() => call('activation:presentCopy', { session }))}>
          Present the sealed copy
        </button>
      </div>
    );
  }
  if (joinedKnower || joinedKeeper) {
    const quorum = view.step === 'custodians-enter';
    const copy = copyTurn ? view.copies.find((c) => !c.entered && c.id === custodian)?.name : undefined;
    return (
      <form
        className="act-card"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => call(quorum ? 'activation:enterComponent' : 'activation:enterPassphrase', { session, passphrase: secret }));
        }}
      >
        <h2>{quorum ? (rewrap ? 'Custodian: enter your escrow passphrase' : 'Custodian: enter your component') : copyTurn ? `Knower: the passphrase of ${copy ?? 'the key-holder copy'}` : 'Knower: open the sealed copy'}</h2>
        {rewrap && <p className="act-hint">The new key will be sealed under this same passphrase. It is checked against your part of the current key, which is not decrypted.</p>}
        <div className="act-field">
          <label htmlFor="act-secret">{quorum ? (rewrap ? 'Your escrow passphrase' : 'Your component passphrase') : copyTurn ? 'Passphrase of the key-holder copy' : 'Passphrase of the sealed copy'}</label>
          <input id="act-secret" type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} required />
          {!rewrap && <span className="act-hint">Afterwards, compare the check value shown above with the one on your sheet.</span>}
        </div>
        <button type="submit" className="primary">
          {quorum ? (rewrap ? 'Enter my passphrase' : 'Enter my component') : copyTurn ? 'Enter the passphrase' : 'Open'}
        </button>
      </form>
    );
  }
  const quorumJoin = view.step === 'custodians-enter';
  const choices = copyTurn ? view.copies : view.custodians;
  return (
    <>
    <form
      className="act-card"
      onSubmit={(e) => {
        e.preventDefault();
        void act(() => call('activation:join', { session, role, name, participantPassphrase: pp, ...(quorumJoin || copyTurn ? { custodian } : {}) }));
      }}
    >
      <h2>Join as {quorumJoin ? 'a custodian' : who}</h2>
      {(quorumJoin || copyTurn) && (
        <div className="act-field">
          <label htmlFor="act-custodian">{copyTurn ? 'Which key-holder copy do you know the passphrase of?' : 'Which custodian are you?'}</label>
          <select id="act-custodian" value={custodian} onChange={(e) => setCustodian(e.target.value)}>
            {choices
              .filter((c) => !c.entered)
              .map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
          </select>
        </div>
      )}
      <div className="act-field">
        <label htmlFor="act-name">Your name</label>
        <input id="act-name" type="text" value={name} onChange={(e) => setName(e.target.value)} required />
      </div>
      <div className="act-field">
        <label htmlFor="act-pp">Your participant passphrase</label>
        <input id="act-pp" type="password" autoComplete="off" value={pp} onChange={(e) => setPp(e.target.value)} required />
        <span className="act-hint">The passphrase you chose when you were enrolled in the ceremony plan. Not enrolled? You cannot take part in this activation.</span>
      </div>
      <button type="submit" className="primary">
        Join
      </button>
    </form>
    {!rewrap && (quorumJoin || role === 'knower') && <RemoteReceive session={session} who={quorumJoin ? 'The custodian' : 'The knower'} act={act} />}
    </>
  );
}
