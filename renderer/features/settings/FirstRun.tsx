/**
 * The first start: rehearsal (nothing to enter) or the organisation's own
 * tenant. Shown until the holder chooses; IT's policy can decide for them.
 */
import { call } from '../../app/api';
import type { ResponseOf } from '../../../shared/ipc/contract';

type View = ResponseOf<'settings:view'>;

export function FirstRun({ view, done }: { view: View; done(next: View, goToSettings: boolean): void }) {
  const choose = async (mode: 'rehearsal' | 'live') => done(await call('settings:choose-mode', { mode }), mode === 'live');
  return (
    <section aria-labelledby="first-run-title" className="first-run card" data-testid="first-run">
      <h1 id="first-run-title">Welcome to Key Holder</h1>
      <p className="lede">How will you use Key Holder on this computer?</p>
      <div className="first-run-choices">
        {view.rehearsalAllowed && (
          <button type="button" className="primary" onClick={() => void choose('rehearsal')}>
            Rehearse the ceremony (nothing to enter)
          </button>
        )}
        <button type="button" className={view.rehearsalAllowed ? 'secondary' : 'primary'} onClick={() => void choose('live')}>
          Use my organisation’s tenant
        </button>
      </div>
      <p className="hint">
        A rehearsal runs against a cloud on this computer: nothing touches Azure. Your organisation’s tenant needs its tenant, application (client) ID and
        cloud from your Azure administrator; you can switch later in Settings.
      </p>
    </section>
  );
}
