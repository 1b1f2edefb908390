/**
 * Step 4 of the ceremony: the holder signs in to their own tenant and imports
 * their key-holder copy into their own vault. The copy is opened only in a
 * supervised activation (split knowledge): the keeper presents the sealed
 * copy, a different person (the knower) types its passphrase behind a
 * hand-over screen, the supervisor signs, then the import runs on the Node
 * side. This form never takes the copy's passphrase; everything it does take
 * is saved as a draft so no error loses it.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { call } from '../../app/api';
import { asError, type ShownError } from '../../app/errors';
import { Notice } from '../../ui/Notice';
import { Fingerprint } from '../../ui/Fingerprint';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { StepGateNotice, useStepGate } from '../ceremony/StepGate';
import { importSteps } from '../../../shared/ceremony/gate';
import { HolderChoice, HolderCopyChooser, ImportResult, SupervisedImport, useHolderChoice, useSupervisedImport } from './ImportParts';
import './import.css';

type Status = ResponseOf<'identity:status'>;
type Start = ResponseOf<'identity:startSignIn'>;
type Outcome = NonNullable<NonNullable<ResponseOf<'vault:state'>['record']>['outcome']>;
type Draft = ResponseOf<'vault:state'>['record'] extends infer R ? (R extends { draft: infer D } ? D : never) : never;

function Countdown({ until }: { until: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = Math.max(0, Math.floor((Date.parse(until) - now) / 1000));
  const text = left === 0 ? 'expired: ask for a new code' : `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} left`;
  return (
    <span className="countdown" data-testid="device-code-countdown" aria-live="off">
      {text}
    </span>
  );
}

function SignIn({ status, onChanged }: { status: Status; onChanged(): void }) {
  const [tenantId, setTenantId] = useState(status.active?.tenantId ?? status.defaultTenantId ?? '');
  const [flow, setFlow] = useState<Start | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [copied, setCopied] = useState(false);

  const start = async (method: 'browser' | 'device-code') => {
    setError(null);
    setCopied(false);
    try {
      const s = await call('identity:startSignIn', { tenantId, method });
      setFlow(s);
      await call('identity:waitSignIn', { flowId: s.flowId });
      setFlow(null);
      onChanged();
    } catch (e) {
      setFlow(null);
      setError(asError(e));
    }
  };

  if (!status.configured) return <Notice tone="warning">{status.problem}</Notice>;
  return (
    <section aria-labelledby="signin-title" className="card">
      <h2 id="signin-title">1. Sign in to your Azure tenant</h2>
      {status.active ? (
        <p data-testid="signed-in-as">
          Signed in as <strong>{status.active.username}</strong> in tenant <code>{status.active.tenantId}</code> ({status.cloud}).
        </p>
      ) : (
        <p>Sign in with the account that may import keys into your vault (role: Key Vault Crypto Officer).</p>
      )}
      {status.accounts.length > 1 && (
        <label>
          Account
          <select
            value={status.active ? `${status.active.tenantId}|${status.active.homeAccountId}` : ''}
            onChange={(e) => {
              const [t, h] = e.target.value.split('|');
              void call('identity:useAccount', { tenantId: t!, homeAccountId: h! }).then(onChanged, (x: unknown) => setError(asError(x)));
            }}
          >
            {status.accounts.map((a) => (
              <option key={`${a.tenantId}|${a.homeAccountId}`} value={`${a.tenantId}|${a.homeAccountId}`}>
                {a.username} ({a.tenantId})
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Directory (tenant) ID
        <input value={tenantId} onChange={(e) => setTenantId(e.target.value)} spellCheck={false} autoComplete="off" />
      </label>
      <div className="actions">
        <button type="button" className={status.active ? 'secondary' : 'primary'} onClick={() => void start('browser')} disabled={!!flow || !tenantId}>
          Sign in with the browser
        </button>
        <button type="button" className="secondary" onClick={() => void start('device-code')} disabled={!!flow || !tenantId}>
          Use a device code instead
        </button>
        {status.active && (
          <button type="button" className="link" onClick={() => void call('identity:signOut', {}).then(onChanged, (x: unknown) => setError(asError(x)))}>
            Sign out
          </button>
        )}
      </div>
      {flow?.method === 'browser' && (
        <Notice tone="info" testId="browser-waiting">
          Your browser opened the sign-in page. Pick your account there, then come back.{' '}
          <button type="button" className="secondary small" onClick={() => void call('identity:cancelSignIn', { flowId: flow.flowId })}>
            Cancel
          </button>
        </Notice>
      )}
      {flow?.deviceCode && (
        <div className="device-code" data-testid="device-code">
          <p>
            On any device, open <a href={flow.deviceCode.verificationUri} target="_blank" rel="noreferrer">{flow.deviceCode.verificationUri}</a> and enter:
          </p>
          <p className="code">
            <code data-testid="device-code-value">{flow.deviceCode.userCode}</code>{' '}
            <button
              type="button"
              className="secondary small"
              onClick={() =>
                void navigator.clipboard?.writeText(flow.deviceCode!.userCode).then(
                  () => setCopied(true),
                  () => setCopied(false),
                )
              }
            >
              {copied ? 'Copied' : 'Copy code'}
            </button>{' '}
            <Countdown until={flow.deviceCode.expiresAt} />
          </p>
          <button type="button" className="secondary small" onClick={() => void call('identity:cancelSignIn', { flowId: flow.flowId })}>
            Cancel
          </button>
        </div>
      )}
      {error && (
        <Notice tone="error" testId="signin-error">
          {error.message}
        </Notice>
      )}
    </section>
  );
}

function Result({ out }: { out: Outcome }) {
  return (
    <ImportResult testId="import-result">
      {out.reused && <Notice tone="info">The vault already held this key from an earlier attempt; that version is used, nothing was imported twice.</Notice>}
      <Notice tone={out.fingerprintMatches ? 'success' : 'error'} testId="fingerprint-match">
        {out.fingerprintMatches ? 'Fingerprint match: the vault’s public key is your key.' : 'Fingerprint MISMATCH: do not use this key.'}
      </Notice>
      <Fingerprint label="Your copy" value={out.fingerprint} />
      <Fingerprint label="In the vault" value={out.storeFingerprint} />
      <p data-testid="self-test">
        Self-test ({out.selfTest.algorithm}): unwrap in the vault {out.selfTest.unwrapInStore ? 'passed' : 'FAILED'}, wrap in the vault {out.selfTest.wrapInStore ? 'passed' : 'FAILED'}.{' '}
        {out.hardwareProtected ? 'HSM-protected.' : 'Software-protected.'} Allowed operations: {out.keyOps.join(', ')}.
      </p>
      <p>
        Worksheet line 2 (key version key identifier), filled in:
        <br />
        <code data-testid="line2" className="line2">
          {out.keyVersionId}
        </code>
      </p>
    </ImportResult>
  );
}

export function ImportScreen() {
  const [status, setStatus] = useState<Status | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [copies, setCopies] = useState<string[]>([]);
  const [out, setOut] = useState<Outcome | null>(null);
  /** This workstation's own holder (enrolment or kept secret) preselected; the other one is an explicit, warned choice. */
  const choice = useHolderChoice();
  const [error, setError] = useState<ShownError | null>(null);
  const loaded = useRef(false);

  const refreshStatus = useCallback(() => {
    call('identity:status', {}).then(setStatus, (e: unknown) => setError(asError(e)));
  }, []);

  useEffect(() => {
    refreshStatus();
    call('vault:state', {}).then(
      (st) => {
        const s = st.suggested;
        choice.load(s.holder ?? null, !!st.record?.draft);
        setCopies(s.holderCopies);
        setDraft(
          st.record?.draft ?? { holder: s.holder ?? 1, holderCopyPath: s.holderCopies[0] ?? '', vaultUrl: s.vaultUrl, keyName: s.keyName, protection: 'software', allowEncryptDecrypt: false },
        );
        if (st.record?.state === 'done' && st.record.outcome) setOut(st.record.outcome);
        if (st.record?.state === 'failed' && st.record.error) setError(st.record.error);
        loaded.current = true;
      },
      (e: unknown) => setError(asError(e)),
    );
  }, [refreshStatus]);

  const update = (patch: Partial<Draft>) => setDraft((d) => (d ? { ...d, ...patch } : d));
  /** A choice of file is kept at once (a draft, as every field), so leaving the screen loses nothing. */
  const choseCopy = (file: string) => {
    if (!draft) return;
    const next = { ...draft, holderCopyPath: file };
    setDraft(next);
    if (loaded.current) void call('vault:saveDraft', next).catch(() => {});
  };
  const { gate, refresh: refreshGate } = useStepGate(draft && choice.chosen ? importSteps(draft.holder) : null);
  const save = () => {
    if (draft && loaded.current) void call('vault:saveDraft', draft).catch(() => {});
  };

  const supervised = useSupervisedImport({
    start: async () => {
      setOut(null);
      try {
        return await call('vault:startImport', { ...draft!, ...choice.confirmation(draft!.holder) });
      } finally {
        refreshGate();
      }
    },
    /** The outcome comes from the vault's own record once the activation carried out the import. */
    loadOutcome: async () => {
      const st = await call('vault:state', {});
      if (st.record?.state === 'done' && st.record.outcome) setOut(st.record.outcome);
      if (st.record?.state === 'failed' && st.record.error) setError(st.record.error);
    },
    onError: (e) => {
      setError(e);
      if (e?.code.startsWith('identity.')) refreshStatus();
    },
  });
  const { activation, setActivation, busy, setBusy } = supervised;

  const recover = async () => {
    if (!draft) return;
    setBusy(true);
    try {
      await call('vault:recoverDeletedKey', { vaultUrl: draft.vaultUrl, keyName: draft.keyName });
      setError(null);
      setActivation(null);
      await supervised.begin();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="import-title" className="import-screen">
      <h1 id="import-title">Import your key into your vault</h1>
      <p>Your copy of the source key goes into your own Azure Key Vault. The key never leaves this computer unencrypted and never reaches this page.</p>
      {status && <SignIn status={status} onChanged={refreshStatus} />}
      {draft && (
        <form
          className="card"
          aria-labelledby="import-form-title"
          onSubmit={(e) => {
            e.preventDefault();
            void supervised.begin();
          }}
        >
          <h2 id="import-form-title">2. Your copy, your vault</h2>
          <HolderChoice choice={choice} holder={draft.holder} onChoose={(n) => update({ holder: n })} store="vault" unknownBecause="it is not enrolled with the vendor and keeps no client secret" onBlur={save} />
          <HolderCopyChooser keyStore="azure-key-vault" copies={copies} chosen={draft.holderCopyPath} onChoose={choseCopy} onError={setError} disabled={busy} />
          <label>
            Vault URL (worksheet line 1)
            <input value={draft.vaultUrl} onChange={(e) => update({ vaultUrl: e.target.value })} onBlur={save} spellCheck={false} placeholder="https://contoso-keys.vault.azure.net" />
          </label>
          <label>
            Key name
            <input value={draft.keyName} onChange={(e) => update({ keyName: e.target.value })} onBlur={save} spellCheck={false} placeholder="acme-cmek-1" />
          </label>
          <fieldset>
            <legend>Protection</legend>
            <label className="inline">
              <input type="radio" name="protection" checked={draft.protection === 'software'} onChange={() => update({ protection: 'software' })} onBlur={save} /> Software-protected (Standard vault)
            </label>
            <label className="inline">
              <input type="radio" name="protection" checked={draft.protection === 'hsm'} onChange={() => update({ protection: 'hsm' })} onBlur={save} /> HSM-protected (Premium vault or Managed HSM, BYOK)
            </label>
          </fieldset>
          <label className="inline">
            <input type="checkbox" checked={draft.allowEncryptDecrypt} onChange={(e) => update({ allowEncryptDecrypt: e.target.checked })} onBlur={save} /> Also allow encrypt/decrypt (only if your instructions ask for it)
          </label>
          <p className="hint">
            The copy is opened under supervision, by four different people: you as the operator (you run the app and sign the request), the keeper who
            brings the copy, the knower who types its passphrase (not the keeper), and the supervisor who watches and signs before anything is imported. Each
            must be enrolled in the ceremony plan (Supervised activation screen).
          </p>
          <StepGateNotice gate={gate} doneText={`Your key is already imported into your vault and recorded in this ceremony (key holder ${draft.holder}).`} />
          <div className="actions">
            <button
              type="submit"
              className={out ? 'secondary' : 'primary'}
              disabled={busy || !status?.active || !choice.ready(draft.holder) || !draft.holderCopyPath || (!!gate && !gate.open) || supervised.running}
            >
              {busy ? 'Starting…' : 'Start the supervised import'}
            </button>
          </div>
          {error && (
            <Notice tone="error" testId="import-error">
              {error.message}
              {error.code === 'vault.key_soft_deleted' && (
                <span className="actions">
                  {' '}
                  <button type="button" className="secondary small" onClick={() => void recover()} disabled={busy}>
                    Recover the deleted key and continue
                  </button>{' '}
                  or change the key name above.
                </span>
              )}
            </Notice>
          )}
        </form>
      )}
      {activation && <SupervisedImport activation={activation} act={supervised.act} onRestart={() => setActivation(null)} />}
      {out && <Result out={out} />}
    </section>
  );
}
