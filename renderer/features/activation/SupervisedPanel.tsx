/**
 * The hand-over part of a supervised activation that another screen started
 * (the first import, a rotation's import): whose turn it is, the turn itself,
 * cancel-and-wipe, and the ending. One component so every purpose shows the
 * same steps in the same words.
 */
import type { ReactNode } from 'react';
import { call } from '../../app/api';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { Notice } from '../../ui/Notice';
import { Progress, Turn, turnKey } from './ActivationScreen';

type View = ResponseOf<'activation:state'>;

export function SupervisedPanel(props: {
  view: View;
  act(fn: () => Promise<View>): Promise<void>;
  /** Clears the activation so the holder can start again (after it ended, or to close the panel when done). */
  onRestart(): void;
  /** What to say once the purpose was carried out and the key wiped. */
  wiped: ReactNode;
}) {
  const { view, act, onRestart, wiped } = props;
  const running = !view.ended && view.step !== 'done';
  return (
    <>
      <Progress view={view} />
      {running && <Turn key={turnKey(view)} view={view} act={act} />}
      {view.ended && (
        <Notice tone="warning" testId="activation-ended">
          {view.ended.message}{' '}
          <button type="button" className="secondary small" onClick={onRestart}>
            Start again
          </button>
        </Notice>
      )}
      {running && (
        <p>
          <button type="button" className="link" onClick={() => void act(() => call('activation:cancel', { session: view.session }))}>
            Cancel the {view.purpose.kind === 'escrow-rewrap' ? 're-seal' : 'import'} and wipe
          </button>
        </p>
      )}
      {view.step === 'done' && !view.ended && <p data-testid="activation-wiped">{wiped}</p>}
    </>
  );
}
