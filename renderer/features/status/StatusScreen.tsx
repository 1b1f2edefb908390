/**
 * The primary key's status as the vendor's control plane sees it (Available,
 * Key Store N Revoked, Both Key Stores Revoked, Unavailable), refreshed on
 * demand and whenever the Node side's poll finds a change.
 */
import { call } from '../../app/api';
import { Notice } from '../../ui/Notice';
import { formatMoment } from '../../../shared/format/dates';
import { useControlPlane } from '../control-plane/useControlPlane';
import { useApp } from '../../app/store';
import { screenTitle } from '../../app/screens';

/** On AWS KMS a key store is a KMS key in the holder's account; the vendor's role may be refused or the key disabled. */
const awsUnavailable = 'A key store could not be reached (network, the vendor’s role refused, or the KMS key disabled or pending deletion); revocation cannot be assessed.';

const meaning: Record<string, string> = {
  Available: 'Both key stores are healthy.',
  'Key Store 1 Revoked': 'Key store 1 is revoked; key store 2 still lets documents be encrypted and decrypted.',
  'Key Store 2 Revoked': 'Key store 2 is revoked; key store 1 still lets documents be encrypted and decrypted.',
  'Both Key Stores Revoked': 'Both key stores are revoked: documents can no longer be opened, uploaded or downloaded.',
  Unavailable: 'A vault could not be reached (network, sign-in or an expired secret); revocation cannot be assessed.',
};

export function StatusScreen() {
  const { view, error, busy, run } = useControlPlane();
  const go = useApp((a) => a.go);
  const keyStore = useApp((a) => a.keyStore);
  const registrationTitle = screenTitle('registration', keyStore);
  const meaningOf = (status: string) => (keyStore === 'aws-kms' && status === 'Unavailable' ? awsUnavailable : meaning[status]);
  const st = view?.status;
  const pk = st?.primaryKey;
  return (
    <section aria-labelledby="cp-status-title">
      <h1 id="cp-status-title">Primary key status</h1>
      {error && (
        <Notice tone="error" testId="cp-error">
          {error}
        </Notice>
      )}
      {view && !view.connection.connected && (
        <Notice tone="info" testId="cp-status-not-connected">
          <span id="cp-status-why">
            “Check now” waits for a connection: the status comes from the vendor’s control plane, and this workstation is not connected to it yet. First
            connect on the {registrationTitle} screen with the details from the vendor’s message; after both key holders have submitted, the vendor adds the
            primary key and its status appears here.
          </span>{' '}
          <button type="button" className="link" onClick={() => go('registration')}>
            Go to {registrationTitle}
          </button>
        </Notice>
      )}
      <button
        type="button"
        className="secondary"
        disabled={busy || !view?.connection.connected}
        aria-describedby={view && !view.connection.connected ? 'cp-status-why' : undefined}
        onClick={() => void run(() => call('control-plane:status', { refresh: true }), (v) => v)}
      >
        Check now
      </button>
      {!pk && st && (
        <p data-testid="cp-validation" data-state={st.validation.state}>
          No primary key yet ({st.validation.state.replace(/_/g, ' ')}). Key holder 1 {st.submitted.holder1 ? 'has' : 'has not'} submitted; key holder 2 {st.submitted.holder2 ? 'has' : 'has not'}.
        </p>
      )}
      {pk && (
        <div data-testid="cp-status" data-status={pk.status}>
          <h2>
            {pk.name}: <span>{pk.status}</span>
          </h2>
          {/* A revoked or unreachable key store is news the holder must not miss: said as a warning, not plain text. */}
          <Notice tone={pk.status === 'Available' ? 'success' : pk.status === 'Both Key Stores Revoked' ? 'error' : 'warning'}>{meaningOf(pk.status)}</Notice>
          <p>Last checked {formatMoment(pk.checkedAt, { zone: true })}.</p>
          <ul>
            {pk.keyStores.map((k) => (
              <li key={k.holder}>
                Key store {k.holder} ({k.vaultDnsName}): {k.health}
                {k.reason ? `, ${k.reason}` : ''}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
