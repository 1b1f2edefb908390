/**
 * The activation state machine: the order in which people join, components
 * arrive and the supervisor attests, as a pure reducer over non-secret
 * events. Key material never enters here; the Node-side session feeds it the
 * facts (who, check value, nonce) after it has opened a component, and asks
 * it first whether the step is allowed at all.
 */
import { KeyholderError } from '../errors/index';
import { assertNewPerson, normaliseName, type Participant, type Role } from './roles';

/** `key-material-extend`: the AWS key material imported again into the same KMS key with a new expiry (after the ceremony, like a key rotation). */
export type PurposeKind = 'vault-import' | 'escrow-restore' | 'escrow-rewrap' | 'key-rotation' | 'key-material-extend';

export interface Purpose {
  kind: PurposeKind;
  /** What it acts on, in words and identifiers (vault and key name, custodian), never a secret. */
  target: string;
  holder?: 1 | 2;
}

export interface Custodian {
  id: string;
  name: string;
}

export type ActivationPlan =
  | { mode: 'split-knowledge'; purpose: Purpose; ceremony: string; session: string; copyFingerprint: string }
  | { mode: 'quorum'; purpose: Purpose; ceremony: string; session: string; threshold: number; custodians: Custodian[] }
  /** `copies`: the key-holder copies the new key is also sealed to (IDs `copy-N`), each opened by its own knower. */
  | { mode: 'rewrap'; purpose: Purpose; ceremony: string; session: string; custodians: Custodian[]; copies: Custodian[] };

export type ActivationStep =
  | 'operator-request'
  | 'supervisor-joins'
  | 'keeper-presents'
  | 'knower-enters'
  | 'custodians-enter'
  | 'combine'
  | 'supervisor-attests'
  | 'carry-out'
  | 'wipe'
  | 'done'
  | 'aborted';

export type ActivationEvent =
  | { type: 'join'; participant: Participant; custodian?: string }
  | { type: 'sealed-copy-presented'; by: string; copyFingerprint: string }
  | { type: 'component-accepted'; by: string; custodian?: string; checkValue: string; nonce: string }
  | { type: 'quorum-opened' }
  | { type: 'attested'; by: string }
  | { type: 'purpose-finished'; ok: boolean }
  | { type: 'wiped' }
  | { type: 'abort'; reason: 'timeout' | 'cancelled' | 'refused' | 'failed'; message: string };

export interface AcceptedComponent {
  by: string;
  custodian?: string;
  checkValue: string;
  nonce: string;
}

export interface ActivationState {
  plan: ActivationPlan;
  step: ActivationStep;
  participants: Participant[];
  /** Keeper who has joined and not yet given a component (quorum), or presented the copy (split); in a re-seal also the knower of a copy. */
  pendingKeeper?: string;
  pendingCustodian?: string;
  components: AcceptedComponent[];
  seenNonces: string[];
  seenCheckValues: string[];
  attestedBy?: string;
  purposeOk?: boolean;
  abort?: { reason: string; message: string; at: ActivationStep };
  wiped: boolean;
}

export function startActivation(plan: ActivationPlan): ActivationState {
  if (plan.mode === 'quorum') {
    const n = plan.custodians.length;
    if (!Number.isInteger(plan.threshold) || plan.threshold < 2 || plan.threshold > n) {
      throw new KeyholderError('ceremony.bad_quorum', `A quorum needs between 2 and ${n} components (asked for ${plan.threshold}).`);
    }
    const names = new Set(plan.custodians.map((c) => normaliseName(c.name)));
    if (names.size !== n || new Set(plan.custodians.map((c) => c.id)).size !== n) {
      throw new KeyholderError('ceremony.bad_quorum', 'Each component must belong to a different custodian.');
    }
  }
  if (plan.mode === 'rewrap') {
    const n = plan.custodians.length;
    if (n < 1 || new Set(plan.custodians.map((c) => normaliseName(c.name))).size !== n) {
      throw new KeyholderError('ceremony.bad_rewrap', 'The re-seal needs every custodian of the escrow, each under a different name.');
    }
    const ids = [...plan.custodians, ...plan.copies].map((c) => c.id);
    if (new Set(ids).size !== ids.length) throw new KeyholderError('ceremony.bad_rewrap', 'Each custodian and each key-holder copy is entered once.');
  }
  return { plan, step: 'operator-request', participants: [], components: [], seenNonces: [], seenCheckValues: [], wiped: false };
}

const STEP_WORDS: Record<ActivationStep, string> = {
  'operator-request': 'the operator states and signs the purpose',
  'supervisor-joins': 'the supervisor joins',
  'keeper-presents': 'the keeper presents the sealed copy',
  'knower-enters': 'the knower enters the passphrase',
  'custodians-enter': 'each custodian enters their component in turn',
  combine: 'the components are combined and checked',
  'supervisor-attests': 'the supervisor attests',
  'carry-out': 'the purpose is carried out',
  wipe: 'the key material is wiped',
  done: 'the activation is finished',
  aborted: 'the activation was stopped',
};

export function describeStep(step: ActivationStep): string {
  return STEP_WORDS[step];
}

/** Who is expected at the keyboard now (for the hand-over screen). */
export function expectedRole(state: ActivationState): Role | null {
  switch (state.step) {
    case 'operator-request':
    case 'carry-out':
      return 'operator';
    case 'supervisor-joins':
    case 'supervisor-attests':
      return 'supervisor';
    case 'keeper-presents':
    case 'custodians-enter':
      return 'keeper';
    case 'knower-enters':
      return 'knower';
    default:
      return null;
  }
}

function outOfOrder(state: ActivationState, what: string): never {
  throw new KeyholderError('ceremony.step_out_of_order', `${what} is not allowed now: the activation is waiting for this step: ${STEP_WORDS[state.step]}. Steps cannot be skipped or done out of order.`, {
    step: state.step,
  });
}

function join(state: ActivationState, ev: Extract<ActivationEvent, { type: 'join' }>, role: Role): ActivationState {
  if (ev.participant.role !== role) outOfOrder(state, `The ${ev.participant.role} joining`);
  assertNewPerson(state.participants, ev.participant);
  return { ...state, participants: [...state.participants, ev.participant] };
}

function acceptComponent(state: ActivationState, ev: Extract<ActivationEvent, { type: 'component-accepted' }>): ActivationState {
  if (state.seenNonces.includes(ev.nonce)) {
    throw new KeyholderError('ceremony.component_replayed', 'This component was already used in this activation (same one-time number): a replayed component is refused. Ask the custodian to enter it again on their own.');
  }
  // In a re-seal each entry is proven against its own slot and counted by slot, not towards a threshold; in a
  // 1-of-N escrow every custodian's slot holds the same content key, so equal check values are expected there.
  if (state.plan.mode !== 'rewrap' && state.seenCheckValues.includes(ev.checkValue)) {
    throw new KeyholderError('ceremony.component_duplicate', `A component with check value ${ev.checkValue} was already entered: the same component cannot count twice.`);
  }
  return {
    ...state,
    components: [...state.components, { by: ev.by, ...(ev.custodian ? { custodian: ev.custodian } : {}), checkValue: ev.checkValue, nonce: ev.nonce }],
    seenNonces: [...state.seenNonces, ev.nonce],
    seenCheckValues: [...state.seenCheckValues, ev.checkValue],
  };
}

export function applyActivation(state: ActivationState, ev: ActivationEvent): ActivationState {
  if (ev.type === 'abort') {
    if (state.step === 'done' || state.step === 'aborted') return state;
    return { ...state, step: 'aborted', abort: { reason: ev.reason, message: ev.message, at: state.step } };
  }
  if (ev.type === 'wiped') {
    if (state.step === 'wipe') return { ...state, wiped: true, step: 'done' };
    if (state.step === 'aborted') return { ...state, wiped: true };
    // Wiping early is always allowed and never harmful; it ends the activation.
    return { ...state, wiped: true, step: 'aborted', abort: state.abort ?? { reason: 'cancelled', message: 'The key material was wiped before the activation finished.', at: state.step } };
  }
  const plan = state.plan;
  switch (state.step) {
    case 'operator-request':
      if (ev.type !== 'join') outOfOrder(state, describeEvent(ev));
      return { ...join(state, ev, 'operator'), step: 'supervisor-joins' };
    case 'supervisor-joins':
      if (ev.type !== 'join') outOfOrder(state, describeEvent(ev));
      return { ...join(state, ev, 'supervisor'), step: plan.mode === 'split-knowledge' ? 'keeper-presents' : 'custodians-enter' };
    case 'keeper-presents': {
      if (plan.mode !== 'split-knowledge') outOfOrder(state, describeEvent(ev));
      if (ev.type === 'join' && !state.pendingKeeper) {
        const next = join(state, ev, 'keeper');
        return { ...next, pendingKeeper: ev.participant.id };
      }
      if (ev.type === 'sealed-copy-presented' && state.pendingKeeper === ev.by) {
        if (ev.copyFingerprint !== plan.copyFingerprint) {
          throw new KeyholderError('ceremony.wrong_copy', `This sealed copy (${ev.copyFingerprint}) is not the one this activation was started for (${plan.copyFingerprint}). Bring the right holder copy.`);
        }
        return { ...state, step: 'knower-enters' };
      }
      return outOfOrder(state, describeEvent(ev));
    }
    case 'knower-enters': {
      if (plan.mode === 'rewrap') return copyKnowerEnters(state, plan, ev);
      if (ev.type === 'join' && !state.participants.some((p) => p.role === 'knower')) return join(state, ev, 'knower');
      const knower = state.participants.find((p) => p.role === 'knower');
      if (ev.type === 'component-accepted' && knower && ev.by === knower.id) {
        return { ...acceptComponent(state, ev), step: 'supervisor-attests' };
      }
      if (ev.type === 'component-accepted' && knower) {
        throw new KeyholderError('ceremony.wrong_person', 'Only the knower who joined may enter the passphrase.');
      }
      return outOfOrder(state, describeEvent(ev));
    }
    case 'custodians-enter': {
      if (plan.mode === 'split-knowledge') return outOfOrder(state, describeEvent(ev));
      if (ev.type === 'join' && !state.pendingKeeper) {
        // Only custodians (keepers) join now: anyone else is early, whichever custodian they name.
        if (ev.participant.role !== 'keeper') outOfOrder(state, describeEvent(ev));
        const c = plan.custodians.find((x) => x.id === ev.custodian);
        if (!c) throw new KeyholderError('ceremony.unknown_custodian', `${ev.participant.name} is not one of this key's custodians. Only the custodians named in the escrow can enter components.`);
        if (state.components.some((x) => x.custodian === c.id)) {
          throw new KeyholderError('ceremony.component_duplicate', `${c.name}'s component was already entered: each custodian's component counts once.`);
        }
        if (normaliseName(c.name) !== normaliseName(ev.participant.name)) {
          throw new KeyholderError('ceremony.wrong_person', `The component is ${c.name}'s; ${ev.participant.name} cannot enter it for them.`);
        }
        const next = join(state, ev, 'keeper');
        return { ...next, pendingKeeper: ev.participant.id, pendingCustodian: c.id };
      }
      if (ev.type === 'component-accepted' && state.pendingKeeper) {
        if (ev.by !== state.pendingKeeper || ev.custodian !== state.pendingCustodian) {
          throw new KeyholderError('ceremony.wrong_person', 'Only the custodian at the keyboard may enter their own component.');
        }
        const rest = withoutPending(acceptComponent(state, ev));
        if (plan.mode === 'rewrap') {
          const all = rest.components.length >= plan.custodians.length;
          return { ...rest, step: !all ? 'custodians-enter' : plan.copies.length ? 'knower-enters' : 'supervisor-attests' };
        }
        return { ...rest, step: rest.components.length >= plan.threshold ? 'combine' : 'custodians-enter' };
      }
      if ((ev.type === 'attested' || ev.type === 'quorum-opened' || ev.type === 'purpose-finished') && plan.mode === 'rewrap') {
        throw new KeyholderError(
          'ceremony.rewrap_incomplete',
          `${state.components.length} of the ${plan.custodians.length} custodians have entered their passphrase: the new key is sealed to every custodian, so all of them must take part.`,
          { entered: state.components.length, custodians: plan.custodians.length },
        );
      }
      if (ev.type === 'attested' || ev.type === 'quorum-opened' || ev.type === 'purpose-finished') {
        if (plan.mode !== 'quorum') return outOfOrder(state, describeEvent(ev));
        throw new KeyholderError(
          'ceremony.quorum_not_met',
          `${state.components.length} of the ${plan.threshold} components needed have been entered: nothing can be opened with fewer than ${plan.threshold}.`,
          { entered: state.components.length, threshold: plan.threshold },
        );
      }
      return outOfOrder(state, describeEvent(ev));
    }
    case 'combine':
      if (ev.type !== 'quorum-opened') outOfOrder(state, describeEvent(ev));
      return { ...state, step: 'supervisor-attests' };
    case 'supervisor-attests': {
      const sup = state.participants.find((p) => p.role === 'supervisor');
      if (ev.type !== 'attested') outOfOrder(state, describeEvent(ev));
      if (!sup || ev.by !== sup.id) throw new KeyholderError('ceremony.wrong_person', 'Only the supervisor who witnessed this activation can attest it.');
      return { ...state, attestedBy: ev.by, step: 'carry-out' };
    }
    case 'carry-out':
      if (ev.type !== 'purpose-finished') outOfOrder(state, describeEvent(ev));
      return { ...state, purposeOk: ev.ok, step: 'wipe' };
    default:
      return outOfOrder(state, describeEvent(ev));
  }
}

function withoutPending(state: ActivationState): ActivationState {
  const { pendingKeeper: _k, pendingCustodian: _c, ...rest } = state;
  void _k;
  void _c;
  return rest;
}

/** A re-seal's key-holder copies: for each, its knower joins naming the copy, then types that copy's passphrase. */
function copyKnowerEnters(state: ActivationState, plan: Extract<ActivationPlan, { mode: 'rewrap' }>, ev: ActivationEvent): ActivationState {
  if (ev.type === 'join' && !state.pendingKeeper) {
    const copy = plan.copies.find((c) => c.id === ev.custodian);
    if (!copy) throw new KeyholderError('ceremony.unknown_copy', 'Say which key-holder copy you know the passphrase of: only the copies named when the re-seal started take part.');
    if (state.components.some((x) => x.custodian === copy.id)) throw new KeyholderError('ceremony.component_duplicate', `The passphrase of ${copy.name} was already entered.`);
    const next = join(state, ev, 'knower');
    return { ...next, pendingKeeper: ev.participant.id, pendingCustodian: copy.id };
  }
  if (ev.type === 'component-accepted' && state.pendingKeeper) {
    if (ev.by !== state.pendingKeeper || ev.custodian !== state.pendingCustodian) throw new KeyholderError('ceremony.wrong_person', 'Only the knower at the keyboard may enter the passphrase of the copy they named.');
    const rest = withoutPending(acceptComponent(state, ev));
    const all = plan.copies.every((c) => rest.components.some((x) => x.custodian === c.id));
    return { ...rest, step: all ? 'supervisor-attests' : 'knower-enters' };
  }
  if (ev.type === 'attested' || ev.type === 'purpose-finished') {
    throw new KeyholderError('ceremony.rewrap_incomplete', 'Not every key-holder copy\'s passphrase has been entered: the new key is sealed to each copy, so each copy\'s knower must take part.');
  }
  return outOfOrder(state, describeEvent(ev));
}

function describeEvent(ev: ActivationEvent): string {
  switch (ev.type) {
    case 'join':
      return `The ${ev.participant.role} joining`;
    case 'sealed-copy-presented':
      return 'Presenting the sealed copy';
    case 'component-accepted':
      return 'Entering a component';
    case 'quorum-opened':
      return 'Opening the key';
    case 'attested':
      return "The supervisor's attestation";
    case 'purpose-finished':
      return 'Carrying out the purpose';
    default:
      return ev.type;
  }
}
