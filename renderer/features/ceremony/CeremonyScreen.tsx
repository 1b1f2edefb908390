/**
 * Where this workstation's ceremony stands, read from its signed transcript
 * by the step table: what is done (and which entry recorded it), what may
 * start next, what is blocked and by what. Who took part, steps recorded out
 * of order, and, once closed, the final hash that goes on the printed report
 * and into the control-plane receipt. Identifiers and fingerprints only.
 */
import { useCallback, useEffect, useState } from 'react';
import { call } from '../../app/api';
import { Notice } from '../../ui/Notice';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { WholeCeremony } from './WholeCeremony';
import { formatMoment } from '../../../shared/format/dates';
import { entryWords } from '../../../shared/ceremony/entry-words';
import './ceremony.css';

type View = ResponseOf<'ceremony:view'>;

const STATE_WORDS = { done: 'done', ready: 'next', blocked: 'blocked' } as const;

function message(e: unknown): string {
  return (e as { message?: string }).message ?? String(e);
}

const group = (hex: string) => hex.match(/.{1,4}/g)?.join(' ') ?? hex;

export function CeremonyScreen() {
  const [view, setView] = useState<View | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [exported, setExported] = useState<string | null>(null);
  /** What became of sending the final hash to the control plane; the closure stands either way. */
  const [record, setRecord] = useState<{ tone: 'success' | 'warning'; text: string; retry: boolean } | null>(null);
  /** Bumped when this workstation's record changes (closing), so the whole ceremony is merged again. */
  const [recorded, setRecorded] = useState(0);

  const load = useCallback(() => {
    call('ceremony:view', {}).then(setView, (e: unknown) => setError(message(e)));
  }, []);
  useEffect(load, [load]);

  const close = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await call('ceremony:close', view?.complete ? {} : { reason });
      setView(r.view);
      setRecorded((n) => n + 1);
      setReason('');
      setRecord(
        r.controlPlane.state === 'recorded'
          ? { tone: 'success', text: `The control plane recorded the final hash (record ${r.controlPlane.recordId}).`, retry: false }
          : { tone: 'warning', text: r.controlPlane.message, retry: r.controlPlane.code !== 'control_plane.not_connected' },
      );
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  const sendRecord = async () => {
    setBusy(true);
    try {
      const r = await call('ceremony:send-record', {});
      setRecord(r.problem ? { tone: 'warning', text: r.problem.message, retry: true } : { tone: 'success', text: `The control plane recorded the final hash (${r.sent} record${r.sent === 1 ? '' : 's'} sent).`, retry: false });
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  const exportPdf = async () => {
    setBusy(true);
    setError(null);
    setExported(null);
    try {
      const r = await call('ceremony:exportReportPdf', {});
      setExported(r.saved ? r.path : null);
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="ceremony-title" className="ceremony-screen">
      <h1 id="ceremony-title">Ceremony</h1>
      <p className="cer-hint">
        Every step carried out on this workstation is appended to the ceremony&apos;s signed transcript. What is done, what comes next and what is still blocked is read from
        that transcript, not from where you left the app.
      </p>
      {error && (
        <Notice tone="error" testId="ceremony-error">
          {error}
        </Notice>
      )}
      <WholeCeremony key={recorded} onChanged={load} />
      <h2>This workstation’s record</h2>
      {view && !view.ceremony && <Notice tone="info">Nothing has been recorded on this workstation yet. The ceremony opens with its first step.</Notice>}
      {view?.ceremony && (
        <>
          <dl className="cer-facts">
            <dt>Ceremony</dt>
            <dd className="cer-mono" data-testid="ceremony-id">
              {view.ceremony}
            </dd>
            <dt>Opened</dt>
            <dd>{view.openedAt ? formatMoment(view.openedAt, { zone: true }) : 'not yet'}</dd>
            <dt>Workstation ceremony key</dt>
            <dd className="cer-mono">{view.workstationKey}</dd>
            <dt>Transcript</dt>
            <dd className="cer-mono">{view.transcriptFile}</dd>
          </dl>
          {view.closed && (
            <Notice tone={view.closed.outcome === 'completed' ? 'success' : 'warning'} testId="ceremony-closed">
              Closed ({view.closed.outcome}) at {formatMoment(view.closed.at, { zone: true })}. Final hash: <span className="cer-mono cer-hash" data-testid="final-hash">{group(view.closed.finalHash)}</span>
            </Notice>
          )}
          {view.afterClose && (
            <Notice tone="info" testId="ceremony-after-close">
              This ceremony is closed and stays as it was recorded. What the vendor reports from now on (a key store’s status, a registration checked again) is kept in the key store lifecycle transcript
              {view.afterClose.recordedIn ? <span className="cer-mono"> {view.afterClose.recordedIn}</span> : ''}, not in a new ceremony; see Key store lifecycle.
              {view.afterClose.entries.length > 0 && (
                <ul data-testid="ceremony-after-close-entries">
                  {view.afterClose.entries.map((e) => (
                    <li key={`${e.at}-${e.kind}`}>
                      {formatMoment(e.at, { zone: true })}: {e.words ?? e.kind} · {e.details}
                      {e.recordedIn ? '' : ' (not recorded)'}
                    </li>
                  ))}
                </ul>
              )}
            </Notice>
          )}
          {view.closed && record && (
            <Notice tone={record.tone} testId="ceremony-record">
              {record.text}{' '}
              {record.retry && (
                <button type="button" disabled={busy} onClick={() => void sendRecord()}>
                  Send the final hash again
                </button>
              )}
            </Notice>
          )}
          {view.problems.map((p) => (
            <Notice key={p} tone="warning" testId="ceremony-problem">
              {p}
            </Notice>
          ))}
          <h2>Steps</h2>
          <table className="cer-table" data-testid="ceremony-steps">
            <thead>
              <tr>
                <th>Step</th>
                <th>State</th>
                <th>Recorded / waiting for</th>
              </tr>
            </thead>
            <tbody>
              {view.steps.map((s) => (
                <tr key={s.id} data-testid={`step-${s.id}`} data-state={s.state}>
                  <td>{s.title}</td>
                  <td>
                    {/* Once closed nothing more can start: an unfinished step is simply not done. */}
                    <span className={`cer-badge cer-${view.closed && s.state !== 'done' ? 'blocked' : s.state}`}>{view.closed && s.state !== 'done' ? 'not done' : STATE_WORDS[s.state]}</span>
                  </td>
                  <td>
                    {view.closed && s.state !== 'done' ? (
                      'not recorded in this ceremony'
                    ) : s.state === 'done' && s.seq === null ? (
                      s.details
                    ) : s.state === 'done' ? (
                      <>
                        entry {s.seq}{s.at ? ` · ${formatMoment(s.at, { zone: true })}` : ''} <span className="cer-mono">{s.details}</span>
                      </>
                    ) : s.state === 'blocked' ? (
                      <>first: {s.waitingFor.join(', ')}</>
                    ) : (
                      'may start now'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {view.deviations.length > 0 && (
            <>
              <h2>Recorded out of order</h2>
              <p className="cer-hint">These steps happened and are in the signed transcript, but the ceremony&apos;s order did not allow them at that point, so they do not count as progress.</p>
              <ul data-testid="ceremony-deviations">
                {view.deviations.map((d) => (
                  <li key={d.seq}>
                    entry {d.seq} ({entryWords(d.step)}): {d.reason}
                  </li>
                ))}
              </ul>
            </>
          )}
          <h2>Participants</h2>
          {view.participants.length === 0 ? (
            <p className="cer-hint">No participant has signed anything in this ceremony yet.</p>
          ) : (
            <table className="cer-table" data-testid="ceremony-participants">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Role</th>
                  <th>Participant key</th>
                </tr>
              </thead>
              <tbody>
                {view.participants.map((p) => (
                  <tr key={`${p.name}|${p.role}|${p.keyFingerprint ?? ''}`}>
                    <td>{p.name}</td>
                    <td>
                      {p.role}
                      {p.holder ? ` (holder ${p.holder})` : ''}
                    </td>
                    <td className="cer-mono">{p.keyFingerprint ?? '(passphrase holder; no participant key)'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>Transcript entries</h2>
          <ol start={0} className="cer-entries" data-testid="ceremony-entries">
            {view.entries.map((e) => (
              <li key={e.seq}>
                <span title={e.kind}>{e.words ?? entryWords(e.kind)}</span> · {formatMoment(e.at, { zone: true })} {e.details && <span className="cer-mono">· {e.details}</span>}
              </li>
            ))}
          </ol>
          <div className="cer-actions">
            {!view.closed && (
              <div className="cer-close">
                {!view.complete && (
                  <label>
                    The ceremony is not complete. To close it anyway, say why (recorded as abandoned):
                    <input type="text" value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
                  </label>
                )}
                <button type="button" className="primary" disabled={busy || (!view.complete && !reason.trim())} onClick={() => void close()}>
                  {view.complete ? 'Close ceremony' : 'Close ceremony as abandoned'}
                </button>
              </div>
            )}
            <button type="button" disabled={busy} onClick={() => void exportPdf()}>
              Export the ceremony report (PDF)
            </button>{' '}
            <button type="button" onClick={() => window.print()}>
              Print this page
            </button>{' '}
            <button type="button" className="link" onClick={load}>
              Refresh
            </button>
          </div>
          {exported && (
            <Notice tone="success" testId="report-exported">
              Ceremony report saved to <span className="cer-mono">{exported}</span>. It lists participants, steps, fingerprints and the final hash, with signature lines.
            </Notice>
          )}
        </>
      )}
    </section>
  );
}
