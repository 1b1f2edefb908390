/**
 * The parts both import screens are built from, whichever key store holds
 * the key (Azure Key Vault: ImportScreen; AWS KMS: AwsImportScreen):
 *
 * - who imports: only this workstation's own holder is preselected; the other
 *   holder is a warned choice the holder confirms (and the door records);
 * - the key-holder copy: one of the copies made here, or the native file
 *   chooser (`vault:chooseHolderCopy`); never a typed path;
 * - the supervised activation that opens the copy (keeper, knower,
 *   supervisor) and carries out the import on the Node side;
 * - the card that shows the proven result.
 *
 * The screens keep what differs: the sign-in, the key store's own fields and
 * what the result proves.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { call } from '../../app/api';
import { asError, type ShownError } from '../../app/errors';
import { Notice } from '../../ui/Notice';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { SupervisedPanel } from '../activation/SupervisedPanel';

type Activation = ResponseOf<'activation:state'>;
type Holder = 1 | 2;

const fileName = (p: string) => p.split(/[\\/]/).pop() ?? p;

/**
 * Who imports. `own` is this workstation's holder when it can tell (enrolled,
 * or its client secret kept here): preselected. Without it nothing is
 * preselected until the holder says which one they are (or a kept draft
 * does). Importing as the other holder needs its own confirmation, which the
 * door (`vault:startImport`, `aws:startImport`) requires and records.
 */
export function useHolderChoice() {
  const [own, setOwn] = useState<Holder | null>(null);
  const [chosen, setChosen] = useState(false);
  const [otherConfirmed, setOtherConfirmed] = useState(false);
  return {
    own,
    chosen,
    otherConfirmed,
    setOtherConfirmed,
    /** From the screen's state: this workstation's own holder (null: unknown), and whether a kept draft already chose one. */
    load(ownHolder: Holder | null, draftKept: boolean) {
      setOwn(ownHolder);
      setChosen(draftKept || ownHolder !== null);
    },
    choose: () => setChosen(true),
    isOther: (holder: Holder) => own !== null && holder !== own,
    /** A holder chosen, and the other holder only with its confirmation. */
    ready: (holder: Holder) => chosen && (own === null || holder === own || otherConfirmed),
    /** What the door needs: the explicit confirmation, only when importing as the other holder. */
    confirmation: (holder: Holder): { otherHolderConfirmed?: true } => (own !== null && holder !== own && otherConfirmed ? { otherHolderConfirmed: true } : {}),
  };
}

type HolderChoiceState = ReturnType<typeof useHolderChoice>;

/** "I am key holder N", with the warning and its confirmation when N is not this workstation's holder. */
export function HolderChoice(props: {
  choice: HolderChoiceState;
  holder: Holder;
  onChoose(h: Holder): void;
  /** Where the key goes, in the key store's words: "vault", "AWS account". */
  store: string;
  /** Why this workstation cannot tell its holder, when it cannot (what it would know it from). */
  unknownBecause: string;
  onBlur?(): void;
}) {
  const { choice, holder, store } = props;
  return (
    <>
      <fieldset>
        <legend>I am</legend>
        {([1, 2] as const).map((n) => (
          <label key={n} className="inline">
            <input
              type="radio"
              name="holder"
              checked={choice.chosen && holder === n}
              onChange={() => {
                choice.choose();
                props.onChoose(n);
              }}
              onBlur={props.onBlur}
            />{' '}
            Key holder {n}
          </label>
        ))}
      </fieldset>
      {!choice.chosen && (
        <p className="hint" data-testid="choose-holder">
          Choose which key holder you are: this workstation cannot tell ({props.unknownBecause}).
        </p>
      )}
      {choice.chosen && choice.isOther(holder) && (
        <Notice tone="warning" testId="other-holder-warning">
          This workstation belongs to key holder {choice.own}. Import as key holder {holder} only if you are that holder and this is their {store}: the key would be recorded as key
          store {holder}, and your choice is recorded in the ceremony transcript.
          <label>
            <input type="checkbox" checked={choice.otherConfirmed} onChange={(e) => choice.setOtherConfirmed(e.target.checked)} /> I am key holder {holder} and import into my own {store}
          </label>
        </Notice>
      )}
    </>
  );
}

/**
 * The key-holder copy: one made on this workstation, or another file picked
 * in the native file chooser (which refuses, from the header alone, a file
 * that is not a holder copy or holds the other key store's key). The choice is handed to `onChoose` at once, so the screen keeps it
 * as a draft and leaving the screen loses nothing.
 */
export function HolderCopyChooser(props: {
  copies: string[];
  chosen: string;
  onChoose(file: string): void;
  onError(e: ShownError | null): void;
  /** The key store this screen imports into: a copy of the other key store's key is refused as it is chosen. */
  keyStore: 'azure-key-vault' | 'aws-kms';
  disabled?: boolean;
  legend?: string;
  /** The dialog and its check when not an import's copy (the key rotation's re-seal: its escrow file or a copy); default `vault:chooseHolderCopy`. */
  choose?(): Promise<{ path: string | null }>;
  /** The radio group's name, unique on a form with several choosers. */
  group?: string;
}) {
  const { copies, chosen } = props;
  const chooseFile = async () => {
    props.onError(null);
    try {
      const r = await (props.choose ? props.choose() : call('vault:chooseHolderCopy', { keyStore: props.keyStore }));
      if (r.path) props.onChoose(r.path);
    } catch (e) {
      props.onError(asError(e));
    }
  };
  return (
    <fieldset className="holder-copy">
      <legend>{props.legend ?? 'Key-holder copy'}</legend>
      {copies.map((c) => (
        <label key={c} className="inline">
          <input type="radio" name={props.group ?? 'holder-copy'} checked={chosen === c} onChange={() => props.onChoose(c)} /> <code>{fileName(c)}</code> (made on this workstation)
        </label>
      ))}
      <p>
        {chosen ? 'Chosen: ' : 'No file chosen yet. '}
        <code data-testid="holder-copy-path">{chosen}</code>
      </p>
      <button type="button" className="secondary" onClick={() => void chooseFile()} disabled={props.disabled}>
        Choose the file…
      </button>
    </fieldset>
  );
}

/**
 * The supervised import's state on a screen: starting it (the door saves the
 * draft and starts the activation), each participant's step, and the outcome
 * read from the key store's own record once the activation carried it out.
 */
export function useSupervisedImport(o: { start(): Promise<Activation>; loadOutcome(): Promise<void>; onError(e: ShownError | null, raw?: unknown): void }) {
  const [activation, setActivation] = useState<Activation | null>(null);
  const [busy, setBusy] = useState(false);
  const begin = async () => {
    setBusy(true);
    o.onError(null);
    try {
      setActivation(await o.start());
    } catch (e) {
      o.onError(asError(e), e);
    } finally {
      setBusy(false);
    }
  };
  const act = async (fn: () => Promise<Activation>) => {
    o.onError(null);
    try {
      const v = await fn();
      setActivation(v);
      if (v.step === 'done' && !v.ended) await o.loadOutcome();
    } catch (e) {
      o.onError(asError(e), e);
      if (activation) setActivation(await call('activation:state', { session: activation.session }).catch(() => activation));
    }
  };
  /** An activation still under way: no second one starts beside it. */
  const running = !!activation && !activation.ended && activation.step !== 'done';
  return { activation, setActivation, busy, setBusy, begin, act, running };
}

/** Step 3: the hand-over between the people of the supervised activation, scrolled into view when it starts. */
export function SupervisedImport(props: { activation: Activation; act(fn: () => Promise<Activation>): Promise<void>; onRestart(): void }) {
  const section = useRef<HTMLElement>(null);
  const session = props.activation.session;
  useEffect(() => {
    section.current?.scrollIntoView({ block: 'start' });
  }, [session]);
  return (
    <section ref={section} aria-labelledby="supervised-title" className="card" data-testid="supervised-import">
      <h2 id="supervised-title">3. Supervised import</h2>
      <SupervisedPanel view={props.activation} act={props.act} onRestart={props.onRestart} wiped="The key was used for this import only and has been wiped from memory. Recorded in the ceremony transcript." />
    </section>
  );
}

/** The proven result: what the key store holds now, in the key store's own terms (`children`). */
export function ImportResult(props: { testId: string; children: ReactNode }) {
  return (
    <section aria-labelledby="result-title" className="card" data-testid={props.testId}>
      <h2 id="result-title">Imported and proven</h2>
      {props.children}
    </section>
  );
}
