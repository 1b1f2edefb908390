/**
 * Step before import: connect to the vendor's control plane (confirming the
 * sealing key's fingerprint from the vendor's own message), then register the
 * vault's DNS name and wait for the vendor's confirmation. In live mode the
 * holder may instead record a confirmation received out of band. In
 * rehearsal the app plays the vendor: it shows the vendor's message with copy
 * buttons and lets the holder approve the registration as the vendor.
 */
import { useEffect, useState } from 'react';
import { useApp } from '../../app/store';
import { call } from '../../app/api';
import { Notice } from '../../ui/Notice';
import { Fingerprint } from '../../ui/Fingerprint';
import { CopyValue } from '../../ui/CopyValue';
import { useControlPlane } from './useControlPlane';
import { useRehearsalVendor } from './useRehearsalVendor';
import { StepGuard } from '../ceremony/StepGate';
import { ImportGateNotice } from './ImportGate';

export function RegistrationScreen() {
  const { view, error, busy, run, setError } = useControlPlane();
  const vendor = useRehearsalVendor();
  const [baseUrl, setBaseUrl] = useState('');
  const [fingerprint, setFingerprint] = useState('');
  const [token, setToken] = useState('');
  const [vault, setVault] = useState('');
  const [reference, setReference] = useState('');
  const [confirmedBy, setConfirmedBy] = useState('');
  const c = view?.connection;
  const reg = view?.registration;
  // AWS KMS: the vendor registers where the key store lives (arn:aws:kms:{Region}:{account}), from the AWS worksheet.
  const aws = useApp((a) => a.keyStore) === 'aws-kms';
  const location = useAwsLocation(aws ? (c?.holder ?? null) : null);
  useEffect(() => {
    if (location) setVault((v) => v || location);
  }, [location]);
  // Editing any field after a refusal clears the old message: Connect then answers afresh.
  const edit = (set: (v: string) => void) => (e: React.ChangeEvent<HTMLInputElement>) => {
    set(e.target.value);
    setError(null);
  };

  return (
    <section aria-labelledby="cp-reg-title" className="registration-screen">
      <h1 id="cp-reg-title">{aws ? 'Register your key store with the vendor' : 'Register your vault with the vendor'}</h1>
      {aws ? (
        <p className="lede">
          Before your key goes into AWS KMS, the vendor confirms where your key store lives: your AWS account and the key’s Region. Connect to the vendor’s
          control plane with the details from the vendor’s message, then ask the vendor to register your key store’s location (from the AWS worksheet).
        </p>
      ) : (
        <p className="lede">
          Before your key goes into your vault, the vendor confirms the vault it belongs to. Connect to the vendor’s control plane with the details from
          the vendor’s message, then ask the vendor to register your vault’s DNS name (worksheet line 1).
        </p>
      )}
      {c?.connected && c.holder ? <StepGuard stepIds={[`registered:${c.holder}`]} doneText={null} advisory /> : null}
      {error && (
        <Notice tone="error" testId="cp-error">
          {error}
        </Notice>
      )}
      {!c?.connected ? (
        <>
          {vendor && (
            <div className="card card-rehearsal" data-testid="vendor-message">
              <h2>The vendor’s message (played by this rehearsal)</h2>
              <p className="hint">
                In a real ceremony the vendor sends you these three values in a message of their own. Here the rehearsal plays the vendor: copy each value
                into the form below.
              </p>
              <dl className="copy-list">
                <CopyValue label="Control plane address" value={vendor.controlPlane.baseUrl} testId="vendor-url" />
                <CopyValue label="Sealing key fingerprint" value={vendor.controlPlane.fingerprint} testId="vendor-fingerprint" />
                <CopyValue label="Enrolment token" value={vendor.controlPlane.enrolmentToken} secret testId="vendor-token" />
              </dl>
            </div>
          )}
          <form
            className="card"
            aria-labelledby="cp-connect-title"
            onSubmit={(e) => {
              e.preventDefault();
              void run(() => call('control-plane:connect', { baseUrl, expectedFingerprint: fingerprint, enrolmentToken: token }), (v) => v).then((r) => {
                // The token is cleared only once it was used: after a refusal (a fingerprint mismatch) the holder fixes one field and connects again.
                if (r) setToken('');
              });
            }}
          >
            <h2 id="cp-connect-title">1. Connect to the vendor’s control plane</h2>
            <p className="hint">Key Holder checks the control plane’s sealing key against the fingerprint you enter and sends nothing if they differ.</p>
            {view && !view.connection.secretStorage.available && <Notice tone="error">{view.connection.secretStorage.reason}</Notice>}
            <div className="field">
              <label htmlFor="cp-url">Control plane address</label>
              <div className="hint" id="cp-url-hint">
                From the vendor’s message, starting with https://
              </div>
              <input id="cp-url" type="url" required value={baseUrl} onChange={edit(setBaseUrl)} placeholder="https://…" aria-describedby="cp-url-hint" />
            </div>
            <div className="field">
              <label htmlFor="cp-fp">Sealing key fingerprint (from the vendor’s message)</label>
              <div className="hint" id="cp-fp-hint">
                64 hexadecimal characters, with or without sha256: and spaces
              </div>
              <input id="cp-fp" type="text" className="mono wide" required value={fingerprint} onChange={edit(setFingerprint)} spellCheck={false} autoComplete="off" aria-describedby="cp-fp-hint" />
            </div>
            <div className="field">
              <label htmlFor="cp-token">Enrolment token</label>
              <div className="hint" id="cp-token-hint">
                Starts with khe1. Kept sealed on this computer; never shown again.
              </div>
              <input id="cp-token" type="password" className="mono" required value={token} onChange={edit(setToken)} autoComplete="off" aria-describedby="cp-token-hint" />
            </div>
            <div className="actions">
              <button type="submit" className="primary" disabled={busy}>
                Connect
              </button>
            </div>
          </form>
        </>
      ) : (
        <>
          <div className="card">
            <h2>1. Connected to the vendor’s control plane</h2>
            <p data-testid="cp-connected">
              Connected to <strong>{c.name}</strong> ({c.baseUrl}) as key holder {c.holder} of environment {c.environmentId}.
            </p>
            {c.fingerprint && <Fingerprint value={c.fingerprint.replace(/^sha256:/, '')} label="Pinned sealing key (SHA-256)" />}
            <div className="actions">
              <button type="button" className="secondary" disabled={busy} onClick={() => void run(() => call('control-plane:forget', {}), (v) => v)}>
                Forget this control plane
              </button>
            </div>
          </div>
          <div className="card">
            <h2>{aws ? '2. Register your key store' : '2. Register your vault'}</h2>
            {!reg || reg.status === 'rejected' ? (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  void run(() => call('control-plane:register', { vaultDnsName: vault }), (v) => v);
                }}
              >
                {aws ? (
                  <div className="field">
                    <label htmlFor="cp-vault">Your key store’s location (AWS worksheet)</label>
                    <div className="hint" id="cp-vault-hint">
                      arn:aws:kms:Region:account, e.g. arn:aws:kms:eu-west-2:111122223333: the AWS worksheet fills it from your key ARN or your account ID
                    </div>
                    <input id="cp-vault" type="text" className="mono wide" required value={vault} onChange={(e) => setVault(e.target.value)} placeholder="arn:aws:kms:eu-west-2:111122223333" spellCheck={false} aria-describedby="cp-vault-hint" />
                  </div>
                ) : (
                  <div className="field">
                    <label htmlFor="cp-vault">Your vault’s DNS name (worksheet line 1)</label>
                    <div className="hint" id="cp-vault-hint">
                      e.g. azurevault1.vault.azure.net (no https://)
                    </div>
                    <input id="cp-vault" type="text" className="mono" required value={vault} onChange={(e) => setVault(e.target.value)} placeholder="azurevault1.vault.azure.net" spellCheck={false} aria-describedby="cp-vault-hint" />
                  </div>
                )}
                <div className="actions">
                  <button type="submit" className="primary" disabled={busy}>
                    Request registration
                  </button>
                </div>
              </form>
            ) : null}
            {reg && (
              <div className="actions" data-testid="cp-registration" data-status={reg.status}>
                <span>
                  Registration of <code>{reg.vaultDnsName}</code>: <strong>{reg.status}</strong>
                  {reg.reason ? ` (${reg.reason})` : ''}
                </span>
                <button type="button" className="secondary" disabled={busy} onClick={() => void run(() => call('control-plane:refresh-registration', {}), (v) => v)}>
                  Check again
                </button>
              </div>
            )}
            {vendor && reg?.status === 'pending' && (
              <div className="card card-rehearsal" data-testid="vendor-approve">
                <h2>Play the vendor (rehearsal)</h2>
                <p className="hint">
                  In a real ceremony the vendor checks the {aws ? 'key store’s location' : 'vault name'} with you and approves it on their side; you then press “Check again”. Here you
                  approve it yourself, as the vendor.
                </p>
                <button type="button" className="primary" disabled={busy} onClick={() => void run(() => call('rehearsal-vendor:approve-registration', {}), (v) => v)}>
                  Approve as the vendor
                </button>
              </div>
            )}
            {view?.mode === 'live' && !view.importGate.allowed && (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  void run(() => call('control-plane:record-out-of-band', { vaultDnsName: vault || reg?.vaultDnsName || '', reference, confirmedBy }), (v) => v);
                }}
              >
                <h3>Confirmation received another way</h3>
                <div className="field">
                  <label htmlFor="cp-ref">Vendor’s reference (e.g. support ticket)</label>
                  <input id="cp-ref" type="text" value={reference} onChange={(e) => setReference(e.target.value)} />
                </div>
                <div className="field">
                  <label htmlFor="cp-by">Confirmed by</label>
                  <input id="cp-by" type="text" value={confirmedBy} onChange={(e) => setConfirmedBy(e.target.value)} />
                </div>
                <div className="actions">
                  <button type="submit" className="secondary" disabled={busy}>
                    Record confirmation
                  </button>
                </div>
              </form>
            )}
            <ImportGateNotice view={view} />
          </div>
        </>
      )}
    </section>
  );
}

/** The location of this holder's key store by the AWS worksheet (null until the line says, or without a holder). */
function useAwsLocation(holder: 1 | 2 | null): string | null {
  const [location, setLocation] = useState<string | null>(null);
  useEffect(() => {
    if (!holder) return;
    call('aws:worksheet', {}).then(
      (w) => setLocation(w.locations[`${holder}`]),
      () => setLocation(null),
    );
  }, [holder]);
  return location;
}
