/**
 * The whole ceremony across workstations: this workstation's signed
 * transcript merged with the other workstations' (their signed files, or the
 * control plane's copies), with who recorded each step. Faults, missing
 * workstations, steps out of order and two workstations claiming one step are
 * shown, never hidden. Exports this workstation's file and imports another's.
 *
 * What is on this workstation shows at once; the control plane is asked
 * afterwards ('ceremony:exchange', with a short timeout), so a vendor that
 * does not answer holds up nothing. Its copies kept from the last exchange
 * stay, dated, and a failed exchange is said plainly.
 */
import { useCallback, useEffect, useId, useState } from 'react';
import { call } from '../../app/api';
import { Notice } from '../../ui/Notice';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { formatMoment } from '../../../shared/format/dates';
import { ENTRY_WORDS, entryWords } from '../../../shared/ceremony/entry-words';

type Merged = ResponseOf<'ceremony:merged'>;

const STATE_WORDS = { done: 'done', ready: 'next', blocked: 'blocked' } as const;
const WORKSTATION_STATE: Record<Merged['workstations'][number]['state'], string> = {
  merged: 'closed',
  open: 'still open',
  missing: 'no file yet',
  tampered: 'REFUSED: fails verification',
};

function message(e: unknown): string {
  return (e as { message?: string }).message ?? String(e);
}

function Findings({ title, tone, items, testId, note }: { title: string; tone: 'error' | 'warning'; items: Merged['gaps']; testId: string; note?: string | undefined }) {
  if (!items.length) return null;
  return (
    <Notice tone={tone} testId={testId}>
      <strong>{title}</strong>
      <ul>
        {items.map((f, i) => (
          <li key={i}>{f.message}</li>
        ))}
      </ul>
      {note && <p>{note}</p>}
    </Notice>
  );
}

/** Where the other workstations' copies stand with the vendor's control plane, in words: never a silent gap. */
function ControlPlaneLine({ view, exchanging, onRetry }: { view: Merged | null; exchanging: boolean; onRetry: () => void }) {
  if (!view) return null;
  const cp = view.controlPlane;
  const last = (at: string | null) =>
    at ? `The control plane’s copies shown below were last fetched ${formatMoment(at, { zone: true })}.` : 'Nothing has been fetched from the control plane for this ceremony yet.';
  if (cp.state === 'not_connected') {
    return (
      <p className="cer-hint" data-testid="whole-control-plane">
        This workstation is not connected to the vendor’s control plane (the custodians’ and a supervisor’s workstation never are), so the other workstations’ files come in by
        hand: export this workstation’s file and carry it, with the key-holder copies, to each key holder’s workstation, whose app passes it on to the control plane; import
        the holders’ files here the same way.
      </p>
    );
  }
  if (exchanging || cp.state === 'not_asked') {
    return (
      <p className="cer-hint" role="status" data-testid="whole-control-plane">
        Asking the vendor’s control plane for the other workstations’ files. Shown meanwhile: this workstation’s record and the files kept here.{' '}
        {cp.state === 'not_asked' || cp.state === 'failed' ? last(cp.lastExchangedAt) : null}
      </p>
    );
  }
  if (cp.state === 'failed') {
    return (
      <Notice tone="warning" testId="whole-control-plane">
        <strong>The other workstations’ files were not fetched from the vendor’s control plane.</strong> {cp.message} Shown below: this workstation’s record and the files kept here. {last(cp.lastExchangedAt)} A
        workstation whose file is not here is listed as missing: import its file, or try the control plane again.{' '}
        <button type="button" onClick={onRetry}>
          Try the control plane again
        </button>
      </Notice>
    );
  }
  return (
    <Notice tone="info" testId="whole-control-plane">
      Exchanged with the control plane {formatMoment(cp.at, { zone: true })}: this workstation’s transcript was sent
      {cp.relayed.length ? `, and the files of ${cp.relayed.join(', ')} passed on` : ''}
      {cp.received.length ? `; received ${cp.received.join(', ')}` : ''}.{cp.refused.map((r) => ` Refused: ${r}`).join('')}
    </Notice>
  );
}

export function WholeCeremony({ onChanged }: { onChanged?: () => void }) {
  const [view, setView] = useState<Merged | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Asking the control plane for its copies, after the view from this workstation is shown. */
  const [exchanging, setExchanging] = useState(false);
  const fileId = useId();

  const exchange = useCallback((alive: () => boolean = () => true) => {
    setExchanging(true);
    call('ceremony:exchange', {})
      .then(
        (v) => alive() && setView(v),
        (e: unknown) => alive() && setError(message(e)),
      )
      .finally(() => alive() && setExchanging(false));
  }, []);

  useEffect(() => {
    let mounted = true;
    const alive = () => mounted;
    call('ceremony:merged', {}).then(
      (v) => {
        if (!mounted) return;
        setView(v);
        if (v.controlPlane.state === 'not_asked') exchange(alive);
      },
      (e: unknown) => mounted && setError(message(e)),
    );
    return () => {
      mounted = false;
    };
  }, [exchange]);

  const exportFile = async () => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await call('ceremony:exportWorkstationFile', {});
      if (r.saved) setDone(`This workstation’s file was saved to ${r.path}. Carry it to the other workstations of the ceremony and import it there.`);
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  const importFile = async (file: File) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await call('ceremony:importWorkstationFile', { name: file.name, text: await file.text() });
      setView(r.view);
      // Connected: the file is passed on to the control plane, and its newer copies fetched, without holding up the screen.
      if (r.view.controlPlane.state === 'not_asked') exchange();
      setDone(`Imported the file of ${r.workstation} (${r.entries} entries). It is kept beside this workstation’s own record, not written into it.`);
      onChanged?.();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  /** A planned workstation's file is not here: steps it recorded look undone, and steps after them out of order. */
  const missing = !!view?.workstations.some((w) => w.state === 'missing');
  const clean = view && !view.faults.length && !view.gaps.length && !view.deviations.length && !view.conflicts.length;
  return (
    <section aria-labelledby="whole-ceremony-title" className="cer-whole" data-testid="whole-ceremony">
      <h2 id="whole-ceremony-title">The whole ceremony, all workstations</h2>
      <p className="cer-hint">
        Each workstation (the custodians’, each key holder’s) signs its own transcript. Import the other workstations’ files to see the whole ceremony here; a file is
        accepted only from a workstation of the ceremony plan{view ? <> (plan fingerprint <span className="cer-mono">{view.planFingerprint}</span>)</> : null}.
      </p>
      {error && (
        <Notice tone="error" testId="whole-error">
          {error}
        </Notice>
      )}
      {done && (
        <Notice tone="success" testId="whole-done">
          {done}
        </Notice>
      )}
      <div className="cer-actions cer-files">
        <button type="button" disabled={busy} onClick={() => void exportFile()}>
          Export this workstation’s file
        </button>
        <label htmlFor={fileId} className="cer-file-label">
          Import another workstation’s file
        </label>
        <input
          id={fileId}
          type="file"
          accept=".khtranscript,application/json"
          disabled={busy}
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void importFile(f);
          }}
        />
      </div>
      <ControlPlaneLine view={view} exchanging={exchanging} onRetry={() => exchange()} />
      {view && (
        <>
          <table className="cer-table" data-testid="whole-workstations">
            <caption className="cer-caption">Workstations of the ceremony plan</caption>
            <thead>
              <tr>
                <th>Workstation</th>
                <th>Part</th>
                <th>Ceremony key</th>
                <th>Entries</th>
                <th>Transcript</th>
              </tr>
            </thead>
            <tbody>
              {view.workstations.map((w) => (
                <tr key={w.keyFingerprint} data-state={w.state}>
                  <td>
                    {w.workstation}
                    {w.thisOne ? ' (this workstation)' : ''}
                  </td>
                  <td>{w.state === 'missing' || w.state === 'tampered' ? '—' : w.role}</td>
                  <td className="cer-mono">{w.keyFingerprint}</td>
                  <td>{w.entries}</td>
                  <td>
                    {WORKSTATION_STATE[w.state]}
                    {w.closed ? ` (${w.closed.outcome})` : ''}
                    {w.source && !w.thisOne ? `, from ${w.source}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Findings title="Refused files" tone="error" items={view.faults} testId="whole-faults" />
          <Findings title="Missing from the whole ceremony" tone="warning" items={view.gaps} testId="whole-gaps" />
          <Findings title="Two workstations disagree" tone="error" items={view.conflicts} testId="whole-conflicts" />
          <Findings
            title="Recorded out of order in the whole ceremony"
            tone="warning"
            items={view.deviations}
            testId="whole-deviations"
            note={
              missing
                ? 'A workstation’s file is missing, so a step that followed its steps may show here as out of order: import the missing file before judging these.'
                : undefined
            }
          />
          {clean && (
            <Notice tone="success" testId="whole-in-order">
              No deviation: every step recorded so far is in the ceremony’s order across {view.workstations.length} workstation{view.workstations.length === 1 ? '' : 's'}.
            </Notice>
          )}
          <table className="cer-table" data-testid="whole-steps">
            <caption className="cer-caption">Steps, and who recorded them</caption>
            <thead>
              <tr>
                <th>Step</th>
                <th>State</th>
                <th>Recorded by / waiting for</th>
              </tr>
            </thead>
            <tbody>
              {view.steps.map((s) => (
                <tr key={s.id} data-testid={`whole-step-${s.id}`} data-state={s.state}>
                  <td>{s.title}</td>
                  <td>
                    <span className={`cer-badge cer-${s.state}`}>{STATE_WORDS[s.state]}</span>
                  </td>
                  <td>
                    {s.recordedBy ? (
                      <>
                        {s.recordedBy.role} ({s.recordedBy.workstation}), entry {s.recordedBy.seq} · {formatMoment(s.recordedBy.at, { zone: true })}
                      </>
                    ) : s.state === 'blocked' ? (
                      <>first: {s.waitingFor.join(', ')}</>
                    ) : missing ? (
                      'may start now, or done in a workstation’s file not here yet'
                    ) : (
                      'may start now'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {view.resolved.length > 0 && (
            <details data-testid="whole-resolved">
              <summary>
                {view.resolved.length} step{view.resolved.length === 1 ? '' : 's'} recorded as out of order on a workstation that had not yet seen the others’ entries, in order in the
                whole ceremony
              </summary>
              <ul>
                {view.resolved.map((f, i) => (
                  <li key={i}>{f.message}</li>
                ))}
              </ul>
            </details>
          )}
          <details>
            <summary>All {view.entries.length} entries of the ceremony, in time order</summary>
            <ol className="cer-entries" data-testid="whole-entries">
              {view.entries.map((e) => (
                <li key={`${e.keyFingerprint}-${e.seq}`}>
                  {formatMoment(e.at, { zone: true })} · {e.workstation} · <span title={e.kind}>{e.words ?? entryWords(e.kind)}</span>
                  {e.recordedAs ? ` (${(ENTRY_WORDS[e.recordedAs] ?? 'recorded outside the order').toLowerCase()} on that workstation)` : ''} {e.details && <span className="cer-mono">· {e.details}</span>}
                </li>
              ))}
            </ol>
          </details>
        </>
      )}
    </section>
  );
}
