/**
 * The worksheet for AWS KMS key stores (seed 002): per key holder the key
 * ARN, the vendor's role ARN, the cache time (1 minute to 24 hours, 5
 * recommended) and the vendor's Region (for the Region advice), each checked
 * with the shared rules as it is saved, the two holders' lines checked
 * against each other (two keys, two accounts, one vendor role). Below, the
 * key policy Key Holder would write on this holder's imported key, diffed
 * against the key's current policy: shown before anything is applied.
 */
import { useEffect, useState } from 'react';
import { call } from '../../app/api';
import { Notice } from '../../ui/Notice';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { asError, type ShownError } from './errors';
import '../vault/import.css';
import './aws.css';

type View = ResponseOf<'aws:worksheet'>;
type Line = NonNullable<View['lines']['1']>;
type Proposals = ResponseOf<'aws:policy'>;
type Proposal = Proposals['primary'];
type Holder = 1 | 2;

const emptyLine = (cache: number): Line => ({ keyArn: '', accountId: '', vendorRoleArn: '', cacheMinutes: cache, vendorRegion: '' });

function HolderLine({ holder, view, onSaved }: { holder: Holder; view: View; onSaved(v: View): void }) {
  const saved = view.lines[`${holder}`];
  const [line, setLine] = useState<Line>(saved ? { accountId: '', ...saved } : emptyLine(view.cacheTime.defaultMinutes));
  const location = view.locations[`${holder}`];
  const [error, setError] = useState<ShownError | null>(null);
  const check = view.checks[`${holder}`];
  const save = async (next: Line) => {
    setError(null);
    try {
      onSaved(await call('aws:saveWorksheet', { holder, line: next }));
    } catch (e) {
      setError(asError(e));
    }
  };
  const field = (name: 'keyArn' | 'accountId' | 'vendorRoleArn' | 'vendorRegion', label: string, placeholder: string) => (
    <label>
      {label}
      <input
        value={line[name] ?? ''}
        onChange={(e) => setLine({ ...line, [name]: e.target.value })}
        onBlur={() => void save(line)}
        spellCheck={false}
        placeholder={placeholder}
        aria-invalid={!!check.problems[name]}
        data-testid={`aws-${name}-${holder}`}
      />
      {check.problems[name] && (
        <span className="field-problem" role="alert" data-testid={`aws-${name}-problem-${holder}`}>
          {check.problems[name]}
        </span>
      )}
    </label>
  );
  return (
    <fieldset className="card aws-line" data-testid={`aws-line-${holder}`}>
      <legend>
        Key holder {holder}
        {view.ownHolder === holder ? ' (this workstation)' : ''}
      </legend>
      {field('keyArn', 'Key ARN (of the pending key you created; empty: Key Holder creates the key at the import)', 'arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab')}
      {field('accountId', 'Your AWS account ID (12 digits), when Key Holder creates the key', '12 digits, e.g. 111122223333')}
      {location ? (
        <p className="hint" data-testid={`aws-location-${holder}`}>
          Where this key store lives (the vendor registers it next): <code>{location}</code>
        </p>
      ) : (
        <p className="hint" data-testid={`aws-location-${holder}`}>
          Name your key or enter your account ID: the vendor registers where the key store lives before the import.
        </p>
      )}
      {field('vendorRoleArn', 'Vendor’s role ARN (from your engagement manager)', 'arn:aws:iam::777788889999:role/vendor-kms-access')}
      <label>
        Cache time (minutes): how long the vendor keeps the data key, and so how long a revoke takes to bite
        <input
          type="number"
          min={view.cacheTime.minMinutes}
          max={view.cacheTime.maxMinutes}
          value={Number.isNaN(line.cacheMinutes) ? '' : line.cacheMinutes}
          onChange={(e) => setLine({ ...line, cacheMinutes: e.target.value === '' ? Number.NaN : Number(e.target.value) })}
          onBlur={() => void save({ ...line, cacheMinutes: Number.isNaN(line.cacheMinutes) ? 0 : line.cacheMinutes })}
          aria-invalid={!!check.problems.cacheMinutes}
          data-testid={`aws-cacheMinutes-${holder}`}
        />
        <span className="hint">
          From {view.cacheTime.minMinutes} minute to {view.cacheTime.maxMinutes / 60} hours; the vendor recommends {view.cacheTime.defaultMinutes}.
        </span>
        {check.problems.cacheMinutes && (
          <span className="field-problem" role="alert">
            {check.problems.cacheMinutes}
          </span>
        )}
      </label>
      {field('vendorRegion', 'Region of the vendor’s instance (its accounts page shows it)', 'eu-west-2')}
      {check.advice && (
        <Notice tone="info" testId={`aws-region-advice-${holder}`}>
          {check.advice}
        </Notice>
      )}
      {check.problems.pair && (
        <Notice tone="error" testId={`aws-pair-problem-${holder}`}>
          {check.problems.pair}
        </Notice>
      )}
      {error && <Notice tone="error">{error.message}</Notice>}
    </fieldset>
  );
}

function PolicyDiff({ title, proposal, testId }: { title: string; proposal: Proposal; testId: string }) {
  const [showFull, setShowFull] = useState(false);
  return (
    <div className="policy-one">
      <h3>{title}</h3>
      <p>
        <code className="line2">{proposal.keyArn}</code>
      </p>
      <ul className="policy-diff" data-testid={testId}>
        {proposal.lines.map((l) => (
          <li key={l} className={l.startsWith('WIDENS') ? 'widens' : l.startsWith('removes') ? 'removes' : l.startsWith('grants') ? 'grants' : ''}>
            {l}
          </li>
        ))}
      </ul>
      <button type="button" className="link" onClick={() => setShowFull(!showFull)}>
        {showFull ? 'Hide the policies' : `Show the current and the proposed policy: ${title}`}
      </button>
      {showFull && (
        <div className="policy-texts">
          <figure>
            <figcaption>Current</figcaption>
            <pre>{proposal.currentPolicy}</pre>
          </figure>
          <figure>
            <figcaption>Proposed</figcaption>
            <pre>{proposal.proposedPolicy}</pre>
          </figure>
        </div>
      )}
    </div>
  );
}

function PolicyCard() {
  const [proposals, setProposals] = useState<Proposals | null>(null);
  const [confirmWidening, setConfirmWidening] = useState(false);
  const [applied, setApplied] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const load = async () => {
    setError(null);
    setApplied(false);
    try {
      setProposals(await call('aws:policy', {}));
    } catch (e) {
      setError(asError(e));
    }
  };
  const apply = async () => {
    if (!proposals) return;
    setBusy(true);
    setError(null);
    try {
      setProposals(await call('aws:applyPolicy', { primarySha256: proposals.primary.currentSha256, companionSha256: proposals.companion.currentSha256, confirmWidening }));
      setApplied(true);
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  const widened = proposals ? [...new Set([...proposals.primary.widened, ...proposals.companion.widened])] : [];
  const unchanged = !!proposals && proposals.primary.unchanged && proposals.companion.unchanged;
  return (
    <section className="card" aria-labelledby="aws-policy-title" data-testid="aws-policy">
      <h2 id="aws-policy-title">Key policies of your imported keys</h2>
      <p>
        The vendor’s role gets exactly <code>kms:Encrypt</code>, <code>kms:Decrypt</code>, <code>kms:GenerateDataKey</code> and <code>kms:DescribeKey</code> on your key, and only <code>kms:GenerateMac</code> and{' '}
        <code>kms:DescribeKey</code> on its companion HMAC key (the proof that both holders hold the same key); your account keeps administration. Nothing is applied before you have seen what changes.
      </p>
      <div className="actions">
        <button type="button" className={proposals ? 'secondary' : 'primary'} onClick={() => void load()}>
          {proposals ? 'Read the current policies again' : 'Show what would change'}
        </button>
      </div>
      {proposals && (
        <>
          <PolicyDiff title="Your key" proposal={proposals.primary} testId="aws-policy-diff" />
          <PolicyDiff title="Companion HMAC key" proposal={proposals.companion} testId="aws-companion-policy-diff" />
          {widened.length > 0 && (
            <Notice tone="warning" testId="aws-policy-widens">
              This widens what {widened.join(', ')} may already do. Key Holder never widens a grant silently.
              <label className="inline">
                <input type="checkbox" checked={confirmWidening} onChange={(e) => setConfirmWidening(e.target.checked)} /> I have checked this widening and want it applied
              </label>
            </Notice>
          )}
          {applied && unchanged ? (
            <Notice tone="success" testId="aws-policy-applied">
              Applied: both key policies now grant exactly this.
            </Notice>
          ) : (
            <div className="actions">
              <button type="button" className="primary" disabled={busy || unchanged || (widened.length > 0 && !confirmWidening)} onClick={() => void apply()}>
                {unchanged ? 'Nothing to apply' : 'Apply these key policies'}
              </button>
            </div>
          )}
        </>
      )}
      {error && (
        <Notice tone="error" testId="aws-policy-error">
          {error.message}
        </Notice>
      )}
    </section>
  );
}

export function AwsWorksheetScreen() {
  const [view, setView] = useState<View | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  useEffect(() => {
    call('aws:worksheet', {}).then(setView, (e: unknown) => setError(asError(e)));
  }, []);
  return (
    <section aria-labelledby="aws-ws-title" className="import-screen aws-worksheet">
      <h1 id="aws-ws-title">AWS worksheet</h1>
      <p>What each key holder gives the vendor for an AWS KMS key store: the key ARN and the cache time. Each holder’s key is in their own AWS account; AWS China Regions are not supported by the vendor.</p>
      {error && <Notice tone="error">{error.message}</Notice>}
      {view && (
        <div className="aws-lines">
          {([1, 2] as const).map((h) => (
            <HolderLine key={h} holder={h} view={view} onSaved={setView} />
          ))}
        </div>
      )}
      <PolicyCard />
    </section>
  );
}
