/**
 * Where the expiry reminder for AWS key material points: the material's
 * expiry (seed 002's ValidTo) and the action that extends it. The same
 * escrowed key is imported again into the same KMS key, opened only in a
 * supervised activation (keeper, knower, supervisor), with a later expiry or
 * none; the new date shown afterwards is the one KMS reports.
 */
import { useState } from 'react';
import { call } from '../../app/api';
import { Notice } from '../../ui/Notice';
import { formatMoment } from '../../../shared/format/dates';
import type { AwsKeyStoreFacts } from '../../../shared/ipc/channels/lifecycle';
import { SupervisedPanel } from '../activation/SupervisedPanel';
import { useActivationTurns } from '../activation/useActivationTurns';
import { HolderCopyChooser } from '../vault/ImportParts';


export function KeyMaterialExpiryCard({ aws, copies, disabled, onChange }: { aws: AwsKeyStoreFacts; copies: string[]; disabled: boolean; onChange(): void }) {
  const [copyPath, setCopyPath] = useState('');
  const [day, setDay] = useState('');
  const [never, setNever] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { activation, setActivation, act } = useActivationTurns({ onError: setError, onDone: onChange });
  const [busy, setBusy] = useState(false);

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      // The day the holder picks, until its end (UTC), as the import screen sends its expiry; KMS's own date is shown afterwards.
      const validTo = never ? null : `${day}T23:59:59.000Z`;
      setActivation(await call('lifecycle:key-material-extend', { holderCopyPath: copyPath, validTo }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="kme-title" data-testid="key-material-expiry">
      <h2 id="kme-title">Key material expiry</h2>
      <p data-testid="kme-valid-to">
        {aws.validTo
          ? `The key material in your KMS key expires on ${formatMoment(aws.validTo, { zone: true })}. At that moment AWS KMS deletes it and refuses every use of the key: the vendor can no longer decrypt your data.`
          : 'The key material in your KMS key does not expire.'}
      </p>
      {aws.extended && (
        <Notice tone="success" testId="kme-extended">
          On {formatMoment(aws.extended.at, { zone: true })} the material was imported again; AWS KMS now reports it {aws.extended.validTo ? `expiring on ${formatMoment(aws.extended.validTo, { zone: true })}` : 'not expiring'} (before: {aws.extended.previousValidTo ? formatMoment(aws.extended.previousValidTo, { zone: true }) : 'no expiry'}).
        </Notice>
      )}
      {error && (
        <Notice tone="error" testId="kme-error">
          {error}
        </Notice>
      )}
      {aws.validTo && !activation && (
        <form
          aria-label="Extend the expiry"
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          <p>Extend the expiry: the same key material is imported into the same KMS key (and its companion) again, from your key-holder copy, in a supervised activation: the keeper brings the copy, a different person types its passphrase, the supervisor attests. AWS allows an expiry at most 365 days ahead.</p>
          <HolderCopyChooser keyStore="aws-kms" legend="Your key-holder copy" copies={copies} chosen={copyPath} onChoose={setCopyPath} onError={(e) => setError(e?.message ?? null)} disabled={disabled || busy} />
          <label>
            New expiry date
            <input type="date" value={day} disabled={never} onChange={(e) => setDay(e.target.value)} />
          </label>
          <label className="inline">
            <input type="checkbox" checked={never} onChange={(e) => setNever(e.target.checked)} /> The material does not expire
          </label>
          <button type="submit" className="primary" disabled={disabled || busy || !copyPath || (!never && !day)}>
            Extend the expiry
          </button>
        </form>
      )}
      {activation && (
        <section aria-label="Supervised re-import of the key material" className="card" data-testid="kme-activation">
          <SupervisedPanel
            view={activation}
            act={act}
            onRestart={() => setActivation(null)}
            wiped={
              <>
                The key was used for this re-import only and has been wiped from memory. Recorded in the ceremony transcript.{' '}
                <button type="button" className="secondary small" onClick={() => setActivation(null)}>
                  Close
                </button>
              </>
            }
          />
        </section>
      )}
    </section>
  );
}
