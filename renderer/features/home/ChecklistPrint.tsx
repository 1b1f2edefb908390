/**
 * The ceremony-day checklist for one part (key holder 1 or 2, the escrow
 * custodians, the supervisor), printable: a box per step, ticked when the
 * signed record has it (with when), and for the steps still to do where they
 * are done and room for initials and the time on paper. Print CSS hides the
 * app around it, as for the printable worksheet.
 */
import { useEffect, useState } from 'react';
import { call } from '../../app/api';
import { screens, screenTitle as titleOfScreen } from '../../app/screens';
import { useApp } from '../../app/store';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { formatMoment } from '../../../shared/format/dates';
import { roleTitle, stepScreen, stepsFor, type Role } from './guide';

type View = ResponseOf<'ceremony:view'>;

/** Times on the printed list name the zone: the paper may be read in another office. */
const when = (at: string | Date) => formatMoment(at, { zone: true });
/** Where a step is done, for the key store the settings choose. */
const screenOfStep = (stepId: string, keyStore: 'azure-key-vault' | 'aws-kms') => {
  const id = stepScreen(stepId, keyStore);
  return screens.some((s) => s.id === id) ? titleOfScreen(id, keyStore) : 'Ceremony';
};

export function ChecklistPrint({ view, role, onClose }: { view: View; role: Role; onClose(): void }) {
  const keyStore = useApp((a) => a.keyStore);
  const screenTitle = (stepId: string) => screenOfStep(stepId, keyStore);
  const [mode, setMode] = useState<'rehearsal' | 'live' | null>(null);
  useEffect(() => {
    call('app:info', {}).then((i) => setMode(i.environment.mode), () => setMode(null));
  }, []);
  const steps = stepsFor(role, view.steps);
  const title = roleTitle(role);
  const done = steps.filter((s) => s.state === 'done').length;

  return (
    <section aria-labelledby="checklist-title" className="printable checklist-print" data-testid="checklist-print">
      <div className="no-print print-controls">
        <button type="button" className="secondary" onClick={onClose}>
          Back to the overview
        </button>
        <button type="button" className="primary" onClick={() => window.print()}>
          Print…
        </button>
      </div>
      <h1 id="checklist-title">Ceremony day checklist: {title}</h1>
      {mode === 'rehearsal' && <p className="print-rehearsal">REHEARSAL: a practice run against the rehearsal cloud, not the real ceremony.</p>}
      <p data-testid="checklist-meta">
        {view.ceremony ? (
          <>
            Ceremony <code>{view.ceremony}</code> · {done} of {steps.length} done
            {view.closed ? ` · closed (${view.closed.outcome})` : ''}
          </>
        ) : (
          'Nothing is recorded yet: the ceremony opens with its first step.'
        )}{' '}
        · printed {when(new Date())}
      </p>
      <ol className="checklist-steps" data-testid="checklist-steps">
        {steps.map((s) => (
          <li key={s.id} data-state={s.state}>
            <span className={`box${s.state === 'done' ? ' box-done' : ''}`} aria-hidden="true">
              {s.state === 'done' ? '✓' : ''}
            </span>
            <div>
              <strong>{s.title}</strong>
              <span className="visually-hidden">{s.state === 'done' ? ' (done)' : ' (not done yet)'}</span>
              {s.state === 'done' ? (
                <div className="checklist-line">Done{s.at ? ` ${when(s.at)}` : ''}, in the signed record.</div>
              ) : (
                <>
                  <div className="checklist-line">
                    In Key Holder: {screenTitle(s.id)} screen.
                    {s.state === 'blocked' && s.waitingFor.length > 0 && ` First: ${s.waitingFor.join(', ')}.`}
                  </div>
                  <div className="checklist-line checklist-fill" aria-hidden="true">
                    Initials ____________ Time ____________
                  </div>
                </>
              )}
            </div>
          </li>
        ))}
      </ol>
      <table className="checklist-sign">
        <tbody>
          <tr>
            <th scope="row">Name ({title})</th>
            <td />
          </tr>
          <tr>
            <th scope="row">Signature and date</th>
            <td />
          </tr>
        </tbody>
      </table>
    </section>
  );
}
