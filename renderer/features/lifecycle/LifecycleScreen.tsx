/**
 * The key store after the ceremony: its health (with the holder's own
 * sign-in) and the vendor's view, what each state means for documents, the
 * four actions behind typed confirmations (with the quorum when it is the
 * last key store), the vendor-lag notice, and the rotation to a new primary
 * key as a resumable wizard.
 */
import { useCallback, useEffect, useState } from 'react';
import { call, onEvent } from '../../app/api';
import { Notice } from '../../ui/Notice';
import { formatMoment } from '../../../shared/format/dates';
import type { LifecycleStatus } from '../../../shared/ipc/channels/lifecycle';
import { KeyRotationPanel } from './KeyRotationPanel';
import { VaultBackupCard } from './VaultBackupCard';
import { KeyMaterialExpiryCard } from './KeyMaterialExpiryCard';

type Action = 'revoke' | 'unrevoke' | 'pull' | 'restore';
interface Confirmation {
  text: string;
  needsQuorum: boolean;
  protection?: { softDelete: boolean; purgeProtection: boolean; retentionDays: number | null };
}
interface Quorum {
  requestId: string;
  threshold: number;
  participants: { id: string; name: string; signed: boolean }[];
}

const LABEL: Record<Action, string> = { revoke: 'Revoke', unrevoke: 'Unrevoke', pull: 'Pull', restore: 'Restore' };

export function LifecycleScreen() {
  const [st, setSt] = useState<LifecycleStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [action, setAction] = useState<Action | null>(null);
  const [confirm, setConfirm] = useState<Confirmation | null>(null);
  const [typed, setTyped] = useState('');
  const [reason, setReason] = useState('');
  const [quorum, setQuorum] = useState<Quorum | null>(null);
  const [signer, setSigner] = useState('');
  const [signPass, setSignPass] = useState('');
  const [done, setDone] = useState<string | null>(null);

  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | null> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError((e as Error).message);
      return null;
    } finally {
      setBusy(false);
    }
  }, []);

  const refresh = useCallback(() => run(async () => setSt(await call('lifecycle:status', { refresh: true }))), [run]);
  useEffect(() => {
    void refresh();
    return onEvent('app:changed', (p) => {
      if (p.topic === 'lifecycle') void call('lifecycle:status', { refresh: false }).then(setSt, () => undefined);
    });
  }, [refresh]);

  const choose = (a: Action) =>
    run(async () => {
      setAction(a);
      setTyped('');
      setQuorum(null);
      setDone(null);
      setConfirm(await call('lifecycle:confirmation', { action: a }));
    });

  const perform = () =>
    run(async () => {
      if (!action) return;
      const requestId = quorum?.requestId;
      if (action === 'revoke') await call('lifecycle:revoke', { confirmation: typed, ...(requestId ? { requestId } : {}) });
      if (action === 'unrevoke') await call('lifecycle:unrevoke', { confirmation: typed });
      if (action === 'pull') {
        const out = await call('lifecycle:pull', { confirmation: typed, ...(requestId ? { requestId } : {}) });
        setDone(`Pulled. Restorable for ${out.protection.retentionDays} days; the vault purges it on ${out.deleted.scheduledPurgeDate ? formatMoment(out.deleted.scheduledPurgeDate, { zone: true }) : 'its scheduled date'} unless restored.`);
      }
      if (action === 'restore') {
        const out = await call('lifecycle:restore', { confirmation: typed });
        setDone(`Restored ${out.versions.length} version(s)${out.allVersionsBack ? ': every version is back.' : ': some versions are missing!'}`);
      }
      setAction(null);
      setConfirm(null);
      setTyped('');
      setQuorum(null);
      setSt(await call('lifecycle:status', { refresh: true }));
    });

  const ks = st?.keyStore;

  /** An AWS KMS key store is named by its key ARN: no versions, no vault-side backup (AWS KMS has none). */

  const isAws = !!ks?.keyVersionId.startsWith('arn:');
  const aws = st?.aws ?? null;
  const vendor = st?.vendor;
  return (
    <section aria-labelledby="lc-title" className="lifecycle-screen">
      <h1 id="lc-title">Key store lifecycle</h1>
      {error && (
        <Notice tone="error" testId="lc-error">
          {error}
        </Notice>
      )}
      {done && (
        <Notice tone="success" testId="lc-done">
          {done}
        </Notice>
      )}
      <button type="button" className="secondary" disabled={busy} onClick={() => void refresh()}>
        Check now
      </button>

      <div className="card">
      <h2>Your key store</h2>
      {!ks && <p>No key has been imported into a key store (an Azure vault or an AWS KMS key) on this workstation yet.</p>}
      {ks && (
        <div data-testid="lc-keystore" data-state={ks.state}>
          <p>
            <strong>
              Key store {ks.holder}: {ks.state}
            </strong>{' '}
            {isAws ? (aws ? `(KMS key ${ks.keyName} in account ${aws.accountId}, ${aws.region})` : `(KMS key ${ks.keyName} in ${ks.vaultHost})`) : `(${ks.keyName}, version ${ks.version.slice(0, 8)}…, in ${ks.vaultHost})`} — {ks.detail}
          </p>
          {aws && (
            <p data-testid="lc-cache-time">
              The vendor caches data keys for {aws.cacheMinutes} minute{aws.cacheMinutes === 1 ? '' : 's'} (the cache time you gave it): a revoke, unrevoke, pull or restore here reaches the vendor up to that long later.
            </p>
          )}
          <p>
            <em>For documents:</em> {ks.meaning}
          </p>
          <p>
            <em>What to do:</em> {ks.whatToDo}
          </p>
          {ks.deleted?.scheduledPurgeDate && <p data-testid="lc-purge-date">Held by soft delete; scheduled purge {formatMoment(ks.deleted.scheduledPurgeDate, { zone: true })}.</p>}
        </div>
      )}

      </div>

      <div className="card">
      <h2>What the vendor reports</h2>
      {!vendor && <p>Not connected to the vendor’s control plane.</p>}
      {vendor && (
        <div data-testid="lc-vendor" data-status={vendor.status}>
          <p>
            <strong>{vendor.status}</strong> — {vendor.meaning}
          </p>
          {vendor.receivedAt && (
            <p className="notice" data-testid="lc-vendor-stale">
              The vendor could not be asked just now: this is the last status it sent, on {formatMoment(vendor.receivedAt, { zone: true })}.
            </p>
          )}
          {vendor.primaryKeys.map((pk) => (
            <div key={pk.primaryKeyId}>
              <p>
                {pk.name}: {pk.status}
                {pk.noLongerInUseSince ? `, No longer in use since ${pk.noLongerInUseSince}` : ''}
              </p>
              {(pk.libraries ?? []).length > 0 && (
                <ul>
                  {pk.libraries!.map((l) => (
                    <li key={l.libraryId} data-testid="lc-library">
                      {l.libraryName}: {l.label}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          ))}
        </div>
      )}
      {st?.lag && (
        <Notice tone={st.lag.caughtUpAt ? 'info' : 'warning'} testId="lc-lag">
          {lagInLocalTime(st.lag)}
        </Notice>
      )}

      </div>

      {ks && (
        <div className="card">
          <h2>Actions</h2>
          {isAws ? (
            <p>Revoke disables your KMS key; unrevoke enables it again. Pull schedules the key’s deletion with the longest window AWS allows (30 days); restore cancels it (the key comes back disabled). The vendor’s cache time is the lag before either takes effect. Deleting the material at once is never offered: the vendor may still need the key.</p>
          ) : (
            <p>Revoke disables your key version; unrevoke enables it again. Pull deletes the key (held by the vault’s soft delete); restore recovers it with every version. Purge is never offered: the vendor may still need the key.</p>
          )}
          <div role="group" aria-label="Key store actions" className="actions">
            {(['revoke', 'unrevoke', 'pull', 'restore'] as const).map((a) => (
              <button key={a} type="button" className="secondary" disabled={busy} onClick={() => void choose(a)}>
                {LABEL[a]} key store {ks.holder}…
              </button>
            ))}
          </div>
        </div>
      )}
      {action && confirm && (
        <form
          className="card"
          aria-label={`${LABEL[action]} confirmation`}
          onSubmit={(e) => {
            e.preventDefault();
            void perform();
          }}
        >
          {confirm.protection && (
            <p data-testid="lc-protection">
              Vault: soft delete {confirm.protection.softDelete ? 'on' : 'OFF'}, purge protection {confirm.protection.purgeProtection ? 'on' : 'OFF'}
              {confirm.protection.retentionDays ? `, retention ${confirm.protection.retentionDays} days` : ''}.
            </p>
          )}
          {confirm.needsQuorum && (
            <fieldset>
              <legend>The last key store: a quorum of participants must approve</legend>
              <p>Revoking this key store too stops all encryption and decryption (an extreme case, likely a catastrophic security event).</p>
              <label>
                Reason (recorded in the transcript)
                <textarea value={reason} onChange={(e) => setReason(e.target.value)} />
              </label>
              {!quorum && (
                <button type="button" disabled={busy} onClick={() => void run(async () => setQuorum(await call('lifecycle:request', { action: action === 'pull' ? 'pull' : 'revoke', reason })))}>
                  Ask participants to approve
                </button>
              )}
              {quorum && (
                <div data-testid="lc-quorum">
                  <p>
                    {quorum.participants.filter((p) => p.signed).length} of {quorum.threshold} approvals.
                  </p>
                  <label>
                    Participant
                    <select value={signer} onChange={(e) => setSigner(e.target.value)}>
                      <option value="">Choose…</option>
                      {quorum.participants.map((p) => (
                        <option key={p.id} value={p.id} disabled={p.signed}>
                          {p.name}
                          {p.signed ? ' (approved)' : ''}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label>
                    Participant passphrase
                    <input type="password" autoComplete="off" value={signPass} onChange={(e) => setSignPass(e.target.value)} />
                  </label>
                  <button
                    type="button"
                    disabled={busy || !signer || !signPass}
                    onClick={() =>
                      void run(async () => {
                        setQuorum(await call('lifecycle:sign', { requestId: quorum.requestId, participantId: signer, passphrase: signPass }));
                        setSignPass('');
                        setSigner('');
                      })
                    }
                  >
                    Sign the request
                  </button>
                </div>
              )}
            </fieldset>
          )}
          <p>
            Type exactly: <code data-testid="lc-confirm-text">{confirm.text}</code>
          </p>
          <label>
            Confirmation
            <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
          </label>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy || !typed}>
              {LABEL[action]}
            </button>
            <button type="button" className="secondary" onClick={() => setAction(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}

      {ks && !isAws && <VaultBackupCard holder={ks.holder} disabled={busy} />}

      {aws && aws.previousKeys.length > 0 && (
        <section className="card" aria-labelledby="lc-previous-title" data-testid="lc-previous-keys">
          <h2 id="lc-previous-title">Previous KMS keys kept</h2>
          <p>Keys this one replaced in a key rotation. Each stays enabled until the vendor reports it No longer in use in every library and 90 more days have passed; it is then disabled, never scheduled for deletion (the vendor may need it to restore backups).</p>
          <ul>
            {aws.previousKeys.map((k) => (
              <li key={k.keyArn} data-testid="lc-previous-key" data-state={k.state}>
                <code>{k.keyArn}</code>: {k.state}
                {k.detail ? ` (${k.detail})` : ''}
              </li>
            ))}
          </ul>
        </section>
      )}

      {aws?.validTo || aws?.extended ? <KeyMaterialExpiryCard aws={aws} disabled={busy} onChange={() => void refresh()} /> : null}

      <KeyRotationPanel rotation={st?.keyRotation ?? null} aws={aws} onChange={() => void refresh()} />
    </section>
  );
}

/** The service words the notice in UTC; the holder reads their own clock. */
function lagInLocalTime(lag: { text: string; caughtUpAt?: string; catchUpBy: string }): string {
  const local = (iso: string) => formatMoment(iso, { zone: true });
  let text = lag.text;
  for (const iso of [lag.caughtUpAt, lag.catchUpBy]) if (iso) text = text.split(iso).join(local(iso));
  return text;
}
