/**
 * A screen's guard: asks the step table (shared/ceremony/gate.ts, over the
 * signed record read through 'ceremony:view') whether this screen's step may
 * start, and if not says what comes first with a link to the screen where it
 * is done. The Node side's door asks the same function, so a refusal there
 * never contradicts this notice.
 */
import { useCallback, useEffect, useState } from 'react';
import { call, onEvent } from '../../app/api';
import { useApp } from '../../app/store';
import { Notice } from '../../ui/Notice';
import { stepGate, type Gate } from '../../../shared/ceremony/gate';
import { screenTitle } from '../../app/screens';
import { stepScreen } from '../home/guide';

/** The gate of `stepIds` (null while unknown or without steps), refreshed whenever the Node side reports a change. */
export function useStepGate(stepIds: readonly string[] | null): { gate: Gate | null; refresh(): void } {
  const [gate, setGate] = useState<Gate | null>(null);
  const key = stepIds?.join('|') ?? '';
  const refresh = useCallback(() => {
    if (!key) {
      setGate(null);
      return;
    }
    call('ceremony:view', {}).then(
      (v) =>
        setGate(
          stepGate(
            v.steps,
            key.split('|'),
            v.deviations.flatMap((d) => (d.stepId ? [d.stepId] : [])),
          ),
        ),
      // The door refuses with its own message if the record cannot be read; the screen shows that one.
      () => setGate(null),
    );
  }, [key]);
  useEffect(() => {
    refresh();
    return onEvent('app:changed', () => refresh());
  }, [refresh]);
  return { gate, refresh };
}


/**
 * "Not yet: …" with a link to each step's screen; nothing when the step may
 * start. `advisory`: the door does not refuse (the registration: the vendor
 * answers whatever the record says), so the notice says the step would be
 * recorded out of order instead of "cannot start".
 */
export function StepGateNotice({ gate, doneText, advisory }: { gate: Gate | null; doneText?: string; advisory?: boolean }) {
  const go = useApp((s) => s.go);
  const keyStore = useApp((s) => s.keyStore);
  if (!gate || gate.open) return null;
  if (gate.why === 'done') {
    return (
      <Notice tone="info" testId="step-gate">
        {doneText ?? gate.message}
      </Notice>
    );
  }
  return (
    <Notice tone={advisory ? 'info' : 'warning'} testId="step-gate">
      {advisory ? (
        <>
          <strong>Comes first:</strong> {gate.first.map((f) => f.title).join(' and ')}. Done now, this step is kept in the ceremony record as recorded out of order.
        </>
      ) : (
        <>
          <strong>Not yet.</strong> {gate.message}
        </>
      )}
      <ul className="step-gate-first" aria-label="What comes first">
        {gate.first.map((f) => {
          const screen = stepScreen(f.id, keyStore);
          return (
            <li key={f.id}>
              {f.title}:{' '}
              <button type="button" className="link" onClick={() => go(screen)}>
                go to {screenTitle(screen, keyStore)}
              </button>
            </li>
          );
        })}
      </ul>
    </Notice>
  );
}

/** The hook and the notice together, for a screen that only needs to say what comes first (`doneText` null: say nothing once done). */
export function StepGuard({ stepIds, doneText, advisory }: { stepIds: readonly string[]; doneText?: string | null; advisory?: boolean }) {
  const { gate } = useStepGate(stepIds);
  if (doneText === null && gate && !gate.open && gate.why === 'done') return null;
  return <StepGateNotice gate={gate} {...(doneText ? { doneText } : {})} {...(advisory ? { advisory } : {})} />;
}
