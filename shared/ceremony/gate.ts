/**
 * The gate in front of a step: may the screen (and the IPC door behind it)
 * start this step now, and if not, what comes first. Both the screens and the
 * Node side ask this one function with the step table's progress
 * (`ceremonyProgress`, or the Ceremony view's steps, which are the same), so
 * the button a key holder sees and the refusal the Node side gives never
 * disagree.
 */
import { KeyholderError } from '../errors/index';
import { CEREMONY_STEPS, type Receipt, type StepState } from './steps';

/** A step's state as the table computed it (StepProgress and the Ceremony view's steps both fit). */
export interface GateStep {
  id: string;
  state: StepState;
  /** The step's title in the ceremony's words (the table's progress gives it; Azure's words without it). */
  title?: string;
}

export interface FirstStep {
  id: string;
  title: string;
}

export type Gate =
  | { open: true; stepId: string }
  | { open: false; why: 'done'; stepId: string; title: string; message: string }
  | { open: false; why: 'blocked'; stepId: string; title: string; first: FirstStep[]; message: string };

/**
 * The source key, its escrow and the holder copies are made on the
 * custodians' workstation. A holder's workstation that has no record of the
 * source key has none of that chain: its steps happened elsewhere and come in
 * only with that workstation's record. They are not demanded here (the
 * activation itself proves the copy: it must open to the key it names); once
 * the record shows the source key, the whole chain is demanded.
 */
const ESCROW_CHAIN = new Set(['key-generated', 'escrow-written', 'escrow-test-restored', 'holder-copy-written:1', 'holder-copy-written:2']);

const defOf = (id: string) => CEREMONY_STEPS.find((s) => s.id === id);

/** What the key holder is about to do at a door, in their words (the table's titles name what is recorded). */
const DOING: Record<string, string> = {
  registered: 'The vault registration',
  'activation-attested': 'The supervised import',
  'vault-imported': 'The import',
  submitted: 'The submission',
  'status-available': 'The primary key',
};

function doing(step: { id: string; title: string; holder?: 1 | 2 }): string {
  const words = DOING[step.id.split(':')[0]!];
  return words ? `${words}${step.holder ? ` for key holder ${step.holder}` : ''}` : step.title;
}

const listed = (titles: string[]) => (titles.length < 2 ? titles.join('') : `${titles.slice(0, -1).join(', ')} and ${titles[titles.length - 1]!}`);

/** The table step an entry records (its kind, and its holder for per-holder steps), if any. */
export function stepIdOf(kind: string, data: Receipt['data']): string | null {
  const s = CEREMONY_STEPS.find((x) => x.kind === kind && (x.holder === undefined || x.holder === data.holder) && (kind !== 'status.changed' || data.status === 'Available'));
  return s?.id ?? null;
}

/**
 * Steps recorded out of order (`ceremony.step-out-of-order`): they do not
 * count as progress, but they happened, so a gate does not ask for them
 * again (the import done before the registration was recorded is still in
 * the vault).
 */
export function happenedOutOfOrder(receipts: readonly Receipt[]): string[] {
  const ids: string[] = [];
  for (const r of receipts) {
    if (r.kind !== 'ceremony.step-out-of-order' || typeof r.data.step !== 'string' || !r.data.entry || typeof r.data.entry !== 'object' || Array.isArray(r.data.entry)) continue;
    const id = stepIdOf(r.data.step, r.data.entry);
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/**
 * The gate for a screen or door that carries out `stepIds` in that order (the
 * Import screen: the holder's supervised activation, then the import). It is
 * open when the first step not yet done may start; closed when all are done,
 * or when that step waits for others (named, in the table's order).
 */
export function stepGate(steps: readonly GateStep[], stepIds: readonly string[], outOfOrder: readonly string[] = []): Gate {
  const state = new Map(steps.map((s) => [s.id, s.state]));
  const titles = new Map(steps.flatMap((s) => (s.title ? [[s.id, s.title] as const] : [])));
  const titleOf = (id: string) => titles.get(id) ?? defOf(id)?.title ?? id;
  const happened = (id: string) => state.get(id) === 'done' || outOfOrder.includes(id);
  const escrowSeenHere = happened('key-generated');
  const pending = stepIds.find((id) => !happened(id));
  if (pending === undefined) {
    const last = stepIds[stepIds.length - 1]!;
    const title = titleOf(last);
    return { open: false, why: 'done', stepId: last, title, message: `${title} is already recorded in this ceremony; it is not done twice.` };
  }
  const def = defOf(pending);
  if (!def) throw new KeyholderError('ceremony.unknown_step', `There is no ceremony step called "${pending}".`);
  const first = def.requires.filter((id) => !happened(id) && (escrowSeenHere || !ESCROW_CHAIN.has(id))).map((id) => ({ id, title: titleOf(id) }));
  if (!first.length) return { open: true, stepId: pending };
  return { open: false, why: 'blocked', stepId: pending, title: titleOf(pending), first, message: `${doing({ ...def, title: titleOf(pending) })} cannot start yet. First: ${listed(first.map((f) => f.title))}.` };
}

/** Throws the gate's refusal as a typed error (the IPC doors), or returns the step that may start. */
export function assertGateOpen(steps: readonly GateStep[], stepIds: readonly string[], outOfOrder: readonly string[] = []): string {
  const g = stepGate(steps, stepIds, outOfOrder);
  if (g.open) return g.stepId;
  if (g.why === 'done') throw new KeyholderError('ceremony.step_already_done', g.message, { step: g.stepId });
  throw new KeyholderError('ceremony.step_out_of_order', g.message, { step: g.stepId, first: g.first.map((f) => f.id).join(',') });
}

/** The steps the Import screen carries out for a holder: the supervised activation, then the import it runs. */
export const importSteps = (holder: 1 | 2): string[] => [`activation-attested:${holder}`, `vault-imported:${holder}`];
