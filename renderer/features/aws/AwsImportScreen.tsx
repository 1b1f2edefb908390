/**
 * The holder's import into their own AWS KMS key: sign in (IAM Identity
 * Center), say which holder they are (only this workstation's own is
 * preselected), pick the holder copy (one made here or the file chooser,
 * never a typed path) and, if they created one, name their pending key (Origin
 * External), choose whether the material expires, then the supervised
 * activation opens the copy (keeper presents it, a different person types its
 * passphrase, the supervisor signs) and the import, self-test and companion
 * key run on the Node side. The key never reaches this page; what the holder
 * typed is saved before anything runs. Built from the same parts as the
 * Azure import (../vault/ImportParts.tsx).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { formatMoment } from '../../../shared/format/dates';
import { call } from '../../app/api';
import { Notice } from '../../ui/Notice';
import { Fingerprint } from '../../ui/Fingerprint';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { HolderChoice, HolderCopyChooser, ImportResult, SupervisedImport, useHolderChoice, useSupervisedImport } from '../vault/ImportParts';
import { AwsSignIn } from './AwsSignIn';
import { asError, type ShownError } from './errors';
import { StepGateNotice, useStepGate } from '../ceremony/StepGate';
import { importSteps } from '../../../shared/ceremony/gate';
import '../vault/import.css';

type Status = ResponseOf<'aws:status'>;
type State = ResponseOf<'aws:state'>;
type Draft = NonNullable<State['record']>['draft'];
type Outcome = NonNullable<NonNullable<State['record']>['outcome']>;

function Result({ out }: { out: Outcome }) {
  const t = out.selfTest;
  const ok = (b: boolean) => (b ? 'passed' : 'FAILED');
  return (
    <ImportResult testId="aws-import-result">
      {out.reused && <Notice tone="info">AWS already held keys from an earlier attempt (found by their tags); they were used, nothing was imported twice.</Notice>}
      {out.parametersRefreshed && (
        <Notice tone="info" testId="aws-parameters-refreshed">
          AWS’s wrapping key and import token (valid for 24 hours) had expired; Key Holder fetched new ones and the import completed with them.
        </Notice>
      )}
      <Notice tone="success" testId="aws-material-proof">
        {out.materialProof === 'imported' ? 'AWS KMS accepted the escrowed key as the key’s material.' : 'AWS KMS accepted the escrowed key again as identical to the material it holds.'}
      </Notice>
      <Fingerprint label="Escrowed key" value={out.fingerprint} />
      <p data-testid="aws-self-test">
        Self-test: encrypt and decrypt in KMS {ok(t.encryptDecrypt)}; data key as the vendor uses it {ok(t.dataKey)}; companion MAC computed in KMS equals the one computed here {ok(t.macMatchesLocal)}; MAC computed here verified in KMS {ok(t.localMacVerified)}.
      </p>
      <p>
        Key ARN (give it to the vendor with the cache time):
        <br />
        <code data-testid="aws-key-arn" className="line2">
          {out.keyArn}
        </code>
      </p>
      <p>
        Companion HMAC key (the vendor’s proof that both holders hold the same key):
        <br />
        <code className="line2">{out.companionArn}</code>
      </p>
      <p>{out.validTo ? `The key material expires on ${formatMoment(out.validTo, { zone: true })}: it is tracked on the expiry dashboard.` : 'The key material does not expire.'}</p>
      <p className="hint">Next: apply the key policy on the AWS worksheet screen (shown and diffed before anything changes).</p>
    </ImportResult>
  );
}

export function AwsImportScreen() {
  const [status, setStatus] = useState<Status | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [copies, setCopies] = useState<string[]>([]);
  const [expires, setExpires] = useState(false);
  const [out, setOut] = useState<Outcome | null>(null);
  /** This workstation's own holder preselected, when it can tell; the other one is an explicit, warned choice. */
  const choice = useHolderChoice();
  /** The key store's record was damaged (set aside): its state is unknown until the holder imports again. */
  const [damaged, setDamaged] = useState<ShownError | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const loaded = useRef(false);

  const refreshStatus = useCallback(() => {
    call('aws:status', {}).then(setStatus, (e: unknown) => setError(asError(e)));
  }, []);

  useEffect(() => {
    refreshStatus();
    call('aws:state', {}).then(
      (st) => {
        const own = st.suggested.holder;
        choice.load(own, !!st.record);
        setCopies(st.suggested.holderCopies);
        setDamaged(st.damaged ?? null);
        const fallbackCopy = st.suggested.holderCopies[0] ?? '';
        const d = st.record ? { ...st.record.draft, holderCopyPath: st.record.draft.holderCopyPath || fallbackCopy } : { holder: own ?? 1, holderCopyPath: fallbackCopy, keyArn: '', validTo: '' };
        setDraft(d);
        setExpires(!!d.validTo);
        if (st.record?.state === 'done' && st.record.outcome) setOut(st.record.outcome);
        if (st.record?.state === 'failed' && st.record.error) setError(st.record.error);
        loaded.current = true;
      },
      (e: unknown) => setError(asError(e)),
    );
  }, [refreshStatus]);

  const update = (patch: Partial<Draft>) => setDraft((d) => (d ? { ...d, ...patch } : d));
  const save = () => {
    if (draft && loaded.current) void call('aws:saveDraft', draft).catch(() => {});
  };
  /** A choice of file is kept at once in the key store's draft (a path, as on the Azure import), so returning proposes it again. */
  const choseCopy = (file: string) => {
    if (!draft) return;
    const next = { ...draft, holderCopyPath: file };
    setDraft(next);
    if (loaded.current) void call('aws:saveDraft', next).catch(() => {});
  };

  // The step table, as on the Azure import: "Not yet" with a link to what comes first (the Node side's door asks the same).
  const { gate, refresh: refreshGate } = useStepGate(draft && choice.chosen ? importSteps(draft.holder) : null);
  const supervised = useSupervisedImport({
    start: async () => {
      setOut(null);
      try {
        return await call('aws:startImport', { ...draft!, validTo: expires ? draft!.validTo : '', ...choice.confirmation(draft!.holder) });
      } finally {
        refreshGate();
      }
    },
    /** The outcome comes from the key store's own record once the activation carried out the import. */
    loadOutcome: async () => {
      const st = await call('aws:state', {});
      if (st.record?.state === 'done' && st.record.outcome) setOut(st.record.outcome);
      if (st.record?.state === 'failed' && st.record.error) setError(st.record.error);
      setDamaged(st.damaged ?? null);
    },
    onError: (e) => {
      setError(e);
      if (e?.code.startsWith('aws.sign_in') || e?.code === 'aws.not_signed_in') refreshStatus();
    },
  });
  const { activation, setActivation, busy } = supervised;

  const ready = status?.configured && (status.method === 'profile' || (status.state === 'signed-in' && !!status.role));
  return (
    <section aria-labelledby="aws-import-title" className="import-screen">
      <h1 id="aws-import-title">Import your key into AWS KMS</h1>
      <p>Your escrowed 256-bit key goes into a KMS key in your own AWS account (key material origin External). It never leaves this computer unencrypted and never reaches this page.</p>
      {damaged && (
        <Notice tone="error" testId="aws-key-store-damaged">
          {damaged.message}
        </Notice>
      )}
      {status && <AwsSignIn status={status} onChanged={setStatus} />}
      {draft && status?.configured && (
        <form
          className="card"
          aria-labelledby="aws-form-title"
          onSubmit={(e) => {
            e.preventDefault();
            void supervised.begin();
          }}
        >
          <h2 id="aws-form-title">2. Your copy, your KMS key</h2>
          <HolderChoice choice={choice} holder={draft.holder} onChoose={(n) => update({ holder: n })} store="AWS account" unknownBecause="it is not enrolled with the vendor yet" onBlur={save} />
          <HolderCopyChooser keyStore="aws-kms" legend="Key-holder copy of the AWS key" copies={copies} chosen={draft.holderCopyPath} onChoose={choseCopy} onError={setError} disabled={busy} />
          <label>
            Your pending KMS key (optional)
            <input
              value={draft.keyArn}
              onChange={(e) => update({ keyArn: e.target.value })}
              onBlur={save}
              spellCheck={false}
              placeholder="empty: Key Holder creates the key (arn:aws:kms:REGION:ACCOUNT:key/…)"
              data-testid="aws-pending-key"
            />
          </label>
          <fieldset>
            <legend>The imported key material</legend>
            <label className="inline">
              <input type="radio" name="expiry" checked={!expires} onChange={() => setExpires(false)} /> does not expire
            </label>
            <label className="inline">
              <input type="radio" name="expiry" checked={expires} onChange={() => setExpires(true)} /> expires on
            </label>
            {expires && (
              <input type="date" aria-label="Material expires on" value={draft.validTo.slice(0, 10)} onChange={(e) => update({ validTo: e.target.value ? `${e.target.value}T00:00:00.000Z` : '' })} onBlur={save} />
            )}
          </fieldset>
          <p className="hint">
            The copy is opened under supervision: its keeper presents it, a different person who knows its passphrase types it, and a supervisor signs before anything is imported. Key
            Holder also creates a companion HMAC key from the same escrowed key: the vendor compares both holders’ companions to prove you hold the same key.
          </p>
          <StepGateNotice gate={gate} doneText={`Your key is already imported into AWS KMS and recorded in this ceremony (key holder ${draft.holder}).`} />
          <div className="actions">
            <button
              type="submit"
              className={out ? 'secondary' : 'primary'}
              disabled={busy || !ready || !choice.ready(draft.holder) || !draft.holderCopyPath || (!!gate && !gate.open) || supervised.running}
            >
              {busy ? 'Starting…' : 'Start the supervised import'}
            </button>
          </div>
          {!ready && status?.configured && <p className="hint">Sign in and choose your role first.</p>}
          {error && (
            <Notice tone="error" testId="aws-import-error">
              {error.message}
            </Notice>
          )}
        </form>
      )}
      {activation && <SupervisedImport activation={activation} act={supervised.act} onRestart={() => setActivation(null)} />}
      {out && <Result out={out} />}
    </section>
  );
}
