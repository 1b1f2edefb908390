/**
 * Step before import: connect to the vendor's control plane (confirming the
 * sealing key's fingerprint from the vendor's own message), then register the
 * vault's DNS name and wait for the vendor's confirmation. In live mode the
 * holder may instead record a confirmation received out of band.
 */
import { useState } from 'react';
import { call } from '../../app/api';
import { Notice } from '../../ui/Notice';
import { Fingerprint } from '../../ui/Fingerprint';
import { useControlPlane } from './useControlPlane';
import { StepGuard } from '../ceremony/StepGate';
import { ImportGateNotice } from './ImportGate';

export function RegistrationScreen() {
  const { view, error, busy, run, setError } = useControlPlane();
  const [baseUrl, setBaseUrl] = useState('');
  const [fingerprint, setFingerprint] = useState('');
  const [token, setToken] = useState('');
  const [vault, setVault] = useState('');
  const [reference, setReference] = useState('');
  const [confirmedBy, setConfirmedBy] = useState('');
  const c = view?.connection;
  const reg = view?.registration;

  return (
    <section aria-labelledby="cp-reg-title">
      <h1 id="cp-reg-title">Register your vault with the vendor</h1>
      {c?.connected && c.holder ? <StepGuard stepIds={[`registered:${c.holder}`]} doneText={null} /> : null}
      {error && (
        <Notice tone="error" testId="cp-error">
          {error}
        </Notice>
      )}
      {!c?.connected ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => call('control-plane:connect', { baseUrl, expectedFingerprint: fingerprint, enrolmentToken: token }), (v) => v).then((r) => {
              // The token is cleared only once it was used: after a refusal (a fingerprint mismatch) the holder fixes one field and connects again.
              if (r) setToken('');
            });
          }}
        >
          <p>Use the details from the vendor’s message. Key Holder checks the control plane’s sealing key against the fingerprint you enter and refuses to send anything if they differ.</p>
          {view && !view.connection.secretStorage.available && <Notice tone="error">{view.connection.secretStorage.reason}</Notice>}
          <label htmlFor="cp-url">Control plane address</label>
          <input id="cp-url" type="url" required value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder="https://…" />
          <label htmlFor="cp-fp">Sealing key fingerprint (from the vendor’s message)</label>
          <input id="cp-fp" required value={fingerprint} onChange={(e) => {
              setFingerprint(e.target.value);
              setError(null);
            }} spellCheck={false} autoComplete="off" />
          <label htmlFor="cp-token">Enrolment token</label>
          <input id="cp-token" type="password" required value={token} onChange={(e) => {
              setToken(e.target.value);
              setError(null);
            }} autoComplete="off" />
          <button type="submit" disabled={busy}>
            Connect
          </button>
        </form>
      ) : (
        <>
          <p data-testid="cp-connected">
            Connected to <strong>{c.name}</strong> ({c.baseUrl}) as key holder {c.holder} of environment {c.environmentId}.
          </p>
          {c.fingerprint && <Fingerprint value={c.fingerprint.replace(/^sha256:/, '')} label="Pinned sealing key (SHA-256)" />}
          {!reg || reg.status === 'rejected' ? (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void run(() => call('control-plane:register', { vaultDnsName: vault }), (v) => v);
              }}
            >
              <label htmlFor="cp-vault">Your vault’s DNS name (worksheet line 1)</label>
              <input id="cp-vault" required value={vault} onChange={(e) => setVault(e.target.value)} placeholder="azurevault1.vault.azure.net" spellCheck={false} />
              <button type="submit" disabled={busy}>
                Request registration
              </button>
            </form>
          ) : null}
          {reg && (
            <p data-testid="cp-registration" data-status={reg.status}>
              Registration of <code>{reg.vaultDnsName}</code>: <strong>{reg.status}</strong>
              {reg.reason ? ` (${reg.reason})` : ''}{' '}
              <button type="button" disabled={busy} onClick={() => void run(() => call('control-plane:refresh-registration', {}), (v) => v)}>
                Check again
              </button>
            </p>
          )}
          {view?.mode === 'live' && !view.importGate.allowed && (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void run(() => call('control-plane:record-out-of-band', { vaultDnsName: vault || reg?.vaultDnsName || '', reference, confirmedBy }), (v) => v);
              }}
            >
              <h2>Confirmation received another way</h2>
              <label htmlFor="cp-ref">Vendor’s reference (e.g. support ticket)</label>
              <input id="cp-ref" value={reference} onChange={(e) => setReference(e.target.value)} />
              <label htmlFor="cp-by">Confirmed by</label>
              <input id="cp-by" value={confirmedBy} onChange={(e) => setConfirmedBy(e.target.value)} />
              <button type="submit" disabled={busy}>
                Record confirmation
              </button>
            </form>
          )}
          <ImportGateNotice view={view} />
          <button type="button" disabled={busy} onClick={() => void run(() => call('control-plane:forget', {}), (v) => v)}>
            Forget this control plane
          </button>
        </>
      )}
    </section>
  );
}
