import { useEffect, useRef, useState } from 'react';
import { useFocusOnVisit, useKeepFocus } from './focus';
import { menuScreens, screens, screenTitle } from './screens';
import { useApp } from './store';
import { call, onEvent } from './api';
import type { ResponseOf } from '../../shared/ipc/contract';
import { FirstRun } from '../features/settings/FirstRun';
import { LeaveDialog } from '../ui/LeaveDialog';

type Info = ResponseOf<'app:info'>;

export function App() {
  const { screen, go, visit, unsaved, pending, stay, discard, keyStore, setKeyStore } = useApp();
  const [info, setInfo] = useState<Info | null>(null);
  const [firstRun, setFirstRun] = useState<ResponseOf<'settings:view'> | null>(null);
  // Main holds back app:show until this first app:info call (electron/main/main.ts, showWhenReady): keep both
  // effects in this component so the subscription below is in place when main hears it.
  useEffect(() => {
    call('app:info', {}).then(setInfo, () => setInfo(null));
    call('settings:view', {}).then(
      (v) => {
        setFirstRun(v.firstRun ? v : null);
        setKeyStore(v.keyStore.provider);
      },
      () => setFirstRun(null),
    );
  }, [setKeyStore]);
  useEffect(() => onEvent('app:show', ({ screen: target, item }) => {
    if (screens.some((s) => s.id === target)) go(target, item);
  }), [go]);
  const mainRef = useRef<HTMLElement>(null);
  // After choosing a screen, focus moves to its heading (not left in the menu), so a screen reader starts there;
  // a control disabled while it works (Save) gets focus back instead of leaving it on the page body.
  useFocusOnVisit(mainRef, visit);
  useKeepFocus(mainRef);
  const current = screens.find((s) => s.id === screen) ?? screens[0]!;
  const Current = current.component;
  return (
    <div className="app">
      <a className="skip-link" href="#main-content">
        Skip to the screen’s content
      </a>
      {info?.environment.mode === 'rehearsal' && (
        <div className="banner banner-rehearsal" role="status" data-testid="rehearsal-banner">
          REHEARSAL: {info.environment.description}
          {/* The environment may already say so; the banner must say it either way, once. */}
          {/touches/i.test(info.environment.description) ? '.' : '. Nothing here touches real Azure, real AWS or real data.'}
        </div>
      )}
      {info?.environment.mode === 'live' && (
        <div className="banner banner-live" role="status" data-testid="live-banner">
          LIVE: {info.environment.description}. Real keys in your real vault.
        </div>
      )}
      <div className="layout">
        <nav aria-label="Ceremony steps" className="nav">
          <div className="brand">Key Holder</div>
          <ol>
            {/* The chosen key store's worksheet and import only: the other cloud's screens would lead the holder astray. */}
            {menuScreens(keyStore).map((s) => (
              <li key={s.id}>
                <button type="button" aria-current={s.id === current.id ? 'page' : undefined} onClick={() => go(s.id)}>
                  {screenTitle(s.id, keyStore)}
                </button>
              </li>
            ))}
          </ol>
        </nav>
        <main className="content" id="main-content" tabIndex={-1} ref={mainRef}>
          {firstRun ? (
            <FirstRun
              view={firstRun}
              done={(_next, toSettings) => {
                setFirstRun(null);
                if (toSettings) go('settings');
              }}
            />
          ) : (
            <Current />
          )}
        </main>
      </div>
      {pending && unsaved && (
        <LeaveDialog what={unsaved.what} target={screens.some((s) => s.id === pending.screen) ? screenTitle(pending.screen, keyStore) : 'another screen'} onStay={stay} onDiscard={discard} />
      )}
    </div>
  );
}
