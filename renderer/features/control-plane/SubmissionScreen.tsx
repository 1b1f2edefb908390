/**
 * Submission step: shows exactly what will be sealed and sent (the client
 * secret masked), sends it, and lists the receipts kept on this computer.
 */
import { useState } from 'react';
import { call } from '../../app/api';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { formatMoment } from '../../../shared/format/dates';
import { Notice } from '../../ui/Notice';
import { useControlPlane } from './useControlPlane';
import { StepGuard } from '../ceremony/StepGate';

type Preview = ResponseOf<'control-plane:preview'>;
type Submitted = ResponseOf<'control-plane:submit'>;

export function SubmissionScreen() {
  const { view, error, busy, run } = useControlPlane();
  const [preview, setPreview] = useState<Preview | null>(null);
  const [result, setResult] = useState<Submitted | null>(null);
  const connected = view?.connection.connected;

  return (
    <section aria-labelledby="cp-sub-title">
      <h1 id="cp-sub-title">Submit your key store to the vendor</h1>
      {connected && view?.connection.holder ? <StepGuard stepIds={[`submitted:${view.connection.holder}`]} doneText={null} /> : null}
      {error && (
        <Notice tone="error" testId="cp-error">
          {error}
        </Notice>
      )}
      {!connected && <Notice tone="info">Connect to the vendor’s control plane on the registration step first.</Notice>}
      {connected && (
        <button type="button" className="secondary" disabled={busy} onClick={() => void run(() => call('control-plane:preview', {})).then((p) => p && setPreview(p))}>
          Show what will be sent
        </button>
      )}
      {preview && (
        <div data-testid="cp-preview">
          <p>
            Sealed to <strong>{preview.destination.name}</strong> ({preview.destination.baseUrl}), key {preview.destination.fingerprintDisplay}, for environment {preview.environmentId}.
          </p>
          <table className="cp-table">
            <thead>
              <tr>
                <th scope="col">Worksheet</th>
                <th scope="col">Value</th>
                <th scope="col">Line</th>
              </tr>
            </thead>
            <tbody>
              {preview.rows.map((r) => (
                <tr key={r.field}>
                  <th scope="row">{r.label}</th>
                  <td>
                    <code data-masked={r.masked || undefined}>{r.value}</code>
                  </td>
                  <td>{r.worksheetLine ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() =>
              void run(
                () => call('control-plane:submit', {}),
                (r) => r.view,
              ).then((r) => r && setResult(r))
            }
          >
            Seal and send
          </button>
        </div>
      )}
      {result && (
        <div data-testid="cp-result" data-validation={result.validation.state}>
          <Notice tone={result.validation.state === 'failed' ? 'error' : 'success'}>
            Sent. Receipt {result.receipt.submissionId}, envelope SHA-256 <code>{result.receipt.envelopeSha256}</code>.{' '}
            {result.validation.state === 'waiting_for_other_holder' && 'The vendor waits for the other key holder’s submission.'}
            {result.validation.state === 'validated' && 'Both key stores checked out: the primary key was created.'}
          </Notice>
          {result.validation.failures.length > 0 && (
            <ul data-testid="cp-failures">
              {result.validation.failures.map((f, i) => (
                <li key={i}>
                  Key holder {f.holder}
                  {f.worksheetLine ? `, line ${f.worksheetLine}` : ''}: {f.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {view && view.receipts.length > 0 && (
        <>
          <h2>Receipts kept on this computer</h2>
          <ul data-testid="cp-receipts">
            {view.receipts.map((r) => (
              <li key={r.submissionId}>
                {r.kind === 'key-store-submission' ? 'Key store' : 'Credential update'} {r.submissionId}, received {formatMoment(r.receivedAt, { zone: true })}, SHA-256 <code>{r.envelopeSha256}</code>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
