/**
 * The first screen: which part this workstation plays, where the ceremony
 * stands (from the signed record, through 'ceremony:view'), the one next
 * action with a link to its screen, and the same list as a printable
 * checklist for the ceremony day.
 */
import { useEffect, useState } from 'react';
import { call } from '../../app/api';
import { useApp } from '../../app/store';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { formatMoment } from '../../../shared/format/dates';
import { Notice } from '../../ui/Notice';
import { CHECKLIST_ROLES, roleOf, roleTitle, stepScreen, stepsFor, type AwsKept, type Role } from './guide';
import { ChecklistPrint } from './ChecklistPrint';

type View = ResponseOf<'ceremony:view'>;

/** What this AWS workstation keeps for a holder (an unreadable key-store record or worksheet tells nothing, as no record would). */
async function awsKept(): Promise<AwsKept> {
  const [ws, st] = await Promise.all([call('aws:worksheet', {}).catch(() => null), call('aws:state', {}).catch(() => null)]);
  const imported = st?.record?.state === 'done' ? st.record.draft.holder : null;
  return { importedFor: imported, lineSaved: { 1: Boolean(ws?.lines['1']), 2: Boolean(ws?.lines['2']) } };
}

export function HomeScreen() {
  const go = useApp((s) => s.go);
  const keyStore = useApp((s) => s.keyStore);
  const [view, setView] = useState<View | null>(null);
  const [role, setRole] = useState<Role | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [printFor, setPrintFor] = useState<Role | null>(null);

  useEffect(() => {
    Promise.all([call('ceremony:view', {}), call('worksheet:get', {}), call('control-plane:view', {}).catch(() => null), keyStore === 'aws-kms' ? awsKept() : null]).then(
      ([v, ws, cp, aws]) => {
        setView(v);
        setRole(roleOf({ enrolledAs: cp?.connection.holder ?? null, secretKept: { 1: ws.holder1.secret === 'stored', 2: ws.holder2.secret === 'stored' }, steps: v.steps, keyStore, aws }));
      },
      (e: unknown) => setError((e as Error).message),
    );
  }, [keyStore]);

  if (error) return <Notice tone="error">{error}</Notice>;
  if (!view || !role) return <p>Reading the ceremony record…</p>;
  if (printFor) return <ChecklistPrint view={view} role={printFor} onClose={() => setPrintFor(null)} />;
  const mine = stepsFor(role, view.steps);
  const next = mine.find((s) => s.state === 'ready') ?? null;
  const done = mine.filter((s) => s.state === 'done').length;
  const roleText = role.kind === 'custodian' ? 'Escrow custodians’ workstation' : roleTitle(role);

  return (
    <section aria-labelledby="home-title" className="printable" data-testid="home">
      <h1 id="home-title">Customer-managed key ceremony</h1>
      <div className="card">
        <p data-testid="home-role">
          This workstation: <strong>{roleText}</strong>
          {role.kind === 'unknown' &&
            ` — key holders start with their own ${keyStore === 'aws-kms' ? 'line of the AWS worksheet' : 'worksheet column'}; the custodians’ workstation starts with the source key and escrow.`}
        </p>
        <p data-testid="home-progress">
          {view.closed
            ? `The ceremony is closed (${view.closed.outcome}).`
            : view.ceremony
              ? `${done} of ${mine.length} steps for this workstation are recorded${view.deviations.length ? `; ${view.deviations.length} recorded out of order (see Ceremony)` : ''}.`
              : 'Nothing is recorded yet: the ceremony opens with the first step.'}
        </p>
        {next && !view.closed && (
          <p className="no-print" data-testid="home-next">
            Next: <strong>{next.title}</strong>{' '}
            <button type="button" className="primary" onClick={() => go(stepScreen(next.id, keyStore))}>
              Go to {next.title.replace(/ \(holder \d\)$/, '')}
            </button>
          </p>
        )}
        {!next && !view.closed && mine.some((s) => s.state === 'blocked') && (
          <p data-testid="home-waiting">Waiting for another workstation or the vendor: {mine.find((s) => s.state === 'blocked')!.waitingFor.join(', ')}.</p>
        )}
      </div>
      <h2>Checklist for the ceremony day</h2>
      <ol className="checklist" data-testid="home-checklist">
        {mine.map((s) => (
          <li key={s.id} data-state={s.state}>
            <span aria-hidden="true">{s.state === 'done' ? '☑' : '☐'}</span> {s.title}
            <span className="visually-hidden">{s.state === 'done' ? ' (done)' : s.state === 'ready' ? ' (next)' : ' (not yet)'}</span>
            {s.state === 'done' && s.at && <span className="hint"> · {formatMoment(s.at, { zone: true })}</span>}
          </li>
        ))}
      </ol>
      <div className="actions no-print checklist-roles" role="group" aria-labelledby="print-checklist-label">
        <span id="print-checklist-label">Printable checklist for the ceremony day:</span>
        {CHECKLIST_ROLES.map((r) => (
          <button key={roleTitle(r)} type="button" className="secondary" onClick={() => setPrintFor(r)}>
            {roleTitle(r)}
          </button>
        ))}
      </div>
    </section>
  );
}
