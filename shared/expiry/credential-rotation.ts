/**
 * The client-secret rotation as a pure, resumable state machine. The state is
 * small JSON the service persists after every event, so a rotation survives
 * days and restarts; every step is idempotent so that replaying it after a
 * crash is safe:
 *
 *  1 sign-in          the holder signs in (Graph token)
 *  2 add-password     remove any orphan this rotation added but never kept, then addPassword
 *  3 submit           sealed credential update to the control plane (idempotent by rotationId)
 *  4 await-confirmation  until the control plane says it reached the vault with the new credentials
 *  5 overlap          24 hours from that confirmation; removal refused before, unless an override reason is typed
 *  6 remove-old / prove-old   removePassword for the old secret, then prove it no longer signs in
 *  7 update-worksheet worksheet line 4 and the expiry; reminders reset
 *
 * A rejection by the control plane rolls back: the new secret is removed and
 * the old one stays. The secret's text never enters this state.
 */
import { z } from 'zod';
import { KeyholderError } from '../errors/index';

export const OVERLAP_MS = 24 * 60 * 60 * 1000;
/** An override must say why; a few characters is not a reason. */
const MIN_OVERRIDE_REASON = 10;

export const credentialRotationPhases = [
  'sign-in',
  'add-password',
  'submit',
  'await-confirmation',
  'overlap',
  'remove-old',
  'prove-old',
  'update-worksheet',
  'done',
  'rolling-back',
  'rolled-back',
] as const;
export type CredentialRotationPhase = (typeof credentialRotationPhases)[number];

const at = z.string();
export const credentialRotationStateSchema = z.object({
  version: z.literal(1),
  rotationId: z.string().regex(/^[A-Za-z0-9-]{6,64}$/),
  ceremony: z.string(),
  holder: z.string(),
  appId: z.string(),
  /** Set when the holder moves the key store to another application. */
  newAppId: z.string().optional(),
  oldKeyId: z.string(),
  requestedEndDateTime: z.string(),
  phase: z.enum(credentialRotationPhases),
  startedAt: at,
  signedInAs: z.string().optional(),
  addAttempt: z.number().int().nonnegative(),
  newSecret: z.object({ keyId: z.string(), displayName: z.string(), endDateTime: z.string() }).optional(),
  orphansRemoved: z.array(z.string()),
  submission: z.object({ requestId: z.string(), at }).optional(),
  confirmedAt: at.optional(),
  overlapEndsAt: at.optional(),
  override: z.object({ reason: z.string(), at }).optional(),
  removalRequestedAt: at.optional(),
  oldRemovedAt: at.optional(),
  oldProvenFailingAt: at.optional(),
  worksheetUpdatedAt: at.optional(),
  rejection: z.object({ reason: z.string(), at }).optional(),
  lastError: z.object({ code: z.string(), message: z.string(), at }).optional(),
  history: z.array(z.object({ at, event: z.string(), note: z.string().optional() })),
});
export type CredentialRotationState = z.infer<typeof credentialRotationStateSchema>;

export interface StartRotation {
  rotationId: string;
  ceremony: string;
  holder: string;
  appId: string;
  newAppId?: string;
  oldKeyId: string;
  requestedEndDateTime: string;
  now: Date;
}

export function startCredentialRotation(s: StartRotation): CredentialRotationState {
  return credentialRotationStateSchema.parse({
    version: 1,
    rotationId: s.rotationId,
    ceremony: s.ceremony,
    holder: s.holder,
    appId: s.appId,
    ...(s.newAppId ? { newAppId: s.newAppId } : {}),
    oldKeyId: s.oldKeyId,
    requestedEndDateTime: s.requestedEndDateTime,
    phase: 'sign-in',
    startedAt: s.now.toISOString(),
    addAttempt: 0,
    orphansRemoved: [],
    history: [{ at: s.now.toISOString(), event: 'started' }],
  });
}

/** Every secret this rotation adds carries this prefix, so a resumed rotation can find the ones it never kept. */
export function secretNamePrefix(state: Pick<CredentialRotationState, 'rotationId'>): string {
  return `keyholder-rotation-${state.rotationId}`;
}

/** The wizard's step number (1-7) for a phase. */
export function stepOf(phase: CredentialRotationPhase): number {
  switch (phase) {
    case 'sign-in':
      return 1;
    case 'add-password':
      return 2;
    case 'submit':
    case 'rolling-back':
    case 'rolled-back':
      return 3;
    case 'await-confirmation':
      return 4;
    case 'overlap':
      return 5;
    case 'remove-old':
    case 'prove-old':
      return 6;
    case 'update-worksheet':
    case 'done':
      return 7;
  }
}

export type CredentialRotationAction =
  | { type: 'sign-in' }
  | { type: 'add-password'; displayName: string; namePrefix: string; endDateTime: string; appId: string }
  | { type: 'submit-credentials'; rotationId: string; newKeyId: string; appId: string }
  | { type: 'await-confirmation'; requestId: string }
  | { type: 'wait-overlap'; until: string }
  | { type: 'remove-password'; keyId: string; appId: string; why: 'old-secret' | 'rollback' }
  | { type: 'prove-old-fails'; keyId: string; appId: string }
  | { type: 'update-worksheet'; newKeyId: string; expiresAt: string; appId: string }
  | { type: 'none'; outcome: 'rotated' | 'rolled-back' };

/** The application that holds the new secret: the new one when the holder changes apps. */
function targetApp(s: CredentialRotationState): string {
  return s.newAppId ?? s.appId;
}

export function nextAction(s: CredentialRotationState): CredentialRotationAction {
  switch (s.phase) {
    case 'sign-in':
      return { type: 'sign-in' };
    case 'add-password':
      return {
        type: 'add-password',
        displayName: `${secretNamePrefix(s)}-${s.addAttempt + 1}`,
        namePrefix: secretNamePrefix(s),
        endDateTime: s.requestedEndDateTime,
        appId: targetApp(s),
      };
    case 'submit':
      return { type: 'submit-credentials', rotationId: s.rotationId, newKeyId: s.newSecret!.keyId, appId: targetApp(s) };
    case 'await-confirmation':
      return { type: 'await-confirmation', requestId: s.submission!.requestId };
    case 'overlap':
      return { type: 'wait-overlap', until: s.overlapEndsAt! };
    case 'remove-old':
      return { type: 'remove-password', keyId: s.oldKeyId, appId: s.appId, why: 'old-secret' };
    case 'prove-old':
      return { type: 'prove-old-fails', keyId: s.oldKeyId, appId: s.appId };
    case 'update-worksheet':
      return { type: 'update-worksheet', newKeyId: s.newSecret!.keyId, expiresAt: s.newSecret!.endDateTime, appId: targetApp(s) };
    case 'rolling-back':
      return { type: 'remove-password', keyId: s.newSecret!.keyId, appId: targetApp(s), why: 'rollback' };
    case 'done':
      return { type: 'none', outcome: 'rotated' };
    case 'rolled-back':
      return { type: 'none', outcome: 'rolled-back' };
  }
}

export type CredentialRotationEvent =
  | { type: 'signed-in'; account: string; at: string }
  | { type: 'orphans-removed'; keyIds: string[]; at: string }
  | { type: 'password-added'; keyId: string; displayName: string; endDateTime: string; at: string }
  | { type: 'submitted'; requestId: string; at: string }
  | { type: 'confirmed'; at: string }
  | { type: 'rejected'; reason: string; at: string }
  | { type: 'removal-requested'; at: string; overrideReason?: string }
  | { type: 'old-removed'; at: string }
  | { type: 'old-proven-failing'; at: string }
  | { type: 'worksheet-updated'; at: string }
  | { type: 'new-removed'; at: string }
  | { type: 'failed'; code: string; message: string; at: string };

/** The phase in which each event is accepted; an event of an earlier phase is a harmless replay. */
const eventPhase: Record<CredentialRotationEvent['type'], CredentialRotationPhase | null> = {
  'signed-in': 'sign-in',
  'orphans-removed': 'add-password',
  'password-added': 'add-password',
  submitted: 'submit',
  confirmed: 'await-confirmation',
  rejected: null,
  'removal-requested': 'overlap',
  'old-removed': 'remove-old',
  'old-proven-failing': 'prove-old',
  'worksheet-updated': 'update-worksheet',
  'new-removed': 'rolling-back',
  failed: null,
};

const mainLine: CredentialRotationPhase[] = ['sign-in', 'add-password', 'submit', 'await-confirmation', 'overlap', 'remove-old', 'prove-old', 'update-worksheet', 'done'];

function log(s: CredentialRotationState, at: string, event: string, note?: string): CredentialRotationState['history'] {
  return [...s.history, note ? { at, event, note } : { at, event }];
}

/** Applies one event. Replays of completed steps return the state unchanged; events from the future are refused. */
export function applyEvent(s: CredentialRotationState, e: CredentialRotationEvent): CredentialRotationState {
  const expected = eventPhase[e.type];
  if (expected !== null && expected !== s.phase) {
    const ei = mainLine.indexOf(expected);
    const si = mainLine.indexOf(s.phase);
    if (si > ei && ei >= 0) return s;
    if (s.phase === 'rolled-back' && expected === 'rolling-back') return s;
    throw new KeyholderError('rotation.out_of_order', `The rotation is at step ${stepOf(s.phase)} (${s.phase}); "${e.type}" does not belong there.`);
  }
  const base = { ...s };
  delete base.lastError;
  switch (e.type) {
    case 'signed-in':
      return { ...base, phase: 'add-password', signedInAs: e.account, history: log(s, e.at, e.type, e.account) };
    case 'orphans-removed':
      return { ...base, orphansRemoved: [...new Set([...s.orphansRemoved, ...e.keyIds])], history: log(s, e.at, e.type, e.keyIds.join(',')) };
    case 'password-added':
      return {
        ...base,
        phase: 'submit',
        addAttempt: s.addAttempt + 1,
        newSecret: { keyId: e.keyId, displayName: e.displayName, endDateTime: e.endDateTime },
        history: log(s, e.at, e.type, e.keyId),
      };
    case 'submitted':
      return { ...base, phase: 'await-confirmation', submission: { requestId: e.requestId, at: e.at }, history: log(s, e.at, e.type, e.requestId) };
    case 'confirmed':
      return {
        ...base,
        phase: 'overlap',
        confirmedAt: e.at,
        overlapEndsAt: new Date(new Date(e.at).getTime() + OVERLAP_MS).toISOString(),
        history: log(s, e.at, e.type),
      };
    case 'rejected': {
      if (s.phase !== 'submit' && s.phase !== 'await-confirmation') {
        if (s.phase === 'rolling-back' || s.phase === 'rolled-back') return s;
        throw new KeyholderError('rotation.out_of_order', 'The control plane’s rejection arrived after it had confirmed the new credentials; the rotation keeps going.');
      }
      return { ...base, phase: 'rolling-back', rejection: { reason: e.reason, at: e.at }, history: log(s, e.at, e.type, e.reason) };
    }
    case 'removal-requested': {
      const ends = new Date(s.overlapEndsAt!).getTime();
      const now = new Date(e.at).getTime();
      if (now < ends) {
        const reason = e.overrideReason?.trim() ?? '';
        if (reason.length < MIN_OVERRIDE_REASON) {
          const hours = Math.ceil((ends - now) / 3_600_000);
          throw new KeyholderError(
            'rotation.overlap_not_over',
            `The vendor needs the old secret for 24 hours after confirming the new one (about ${hours} more hour${hours === 1 ? '' : 's'}, until ${s.overlapEndsAt}). Removing it now can cut their access. To remove it anyway, type the reason (at least ${MIN_OVERRIDE_REASON} characters); it is recorded.`,
            { overlapEndsAt: s.overlapEndsAt! },
          );
        }
        return { ...base, phase: 'remove-old', removalRequestedAt: e.at, override: { reason, at: e.at }, history: log(s, e.at, 'overlap-overridden', reason) };
      }
      return { ...base, phase: 'remove-old', removalRequestedAt: e.at, history: log(s, e.at, e.type) };
    }
    case 'old-removed':
      return { ...base, phase: 'prove-old', oldRemovedAt: e.at, history: log(s, e.at, e.type) };
    case 'old-proven-failing':
      return { ...base, phase: 'update-worksheet', oldProvenFailingAt: e.at, history: log(s, e.at, e.type) };
    case 'worksheet-updated':
      return { ...base, phase: 'done', worksheetUpdatedAt: e.at, history: log(s, e.at, e.type) };
    case 'new-removed':
      return { ...base, phase: 'rolled-back', history: log(s, e.at, e.type) };
    case 'failed':
      // A failure leaves the phase as it is: the step is retried later, nothing is lost.
      return { ...s, lastError: { code: e.code, message: e.message, at: e.at }, history: log(s, e.at, e.type, e.code) };
  }
}

/** Milliseconds of the 24-hour overlap still to run (0 when over or not started). */
export function overlapRemainingMs(s: CredentialRotationState, now: Date): number {
  if (!s.overlapEndsAt) return 0;
  return Math.max(0, new Date(s.overlapEndsAt).getTime() - now.getTime());
}

/** The holder asks to remove the old secret (step 5 to 6). */
export function requestRemoval(s: CredentialRotationState, now: Date, overrideReason?: string): CredentialRotationState {
  if (s.phase !== 'overlap') {
    throw new KeyholderError('rotation.out_of_order', `The old secret can only be removed after the control plane confirmed the new one (the rotation is at step ${stepOf(s.phase)}).`);
  }
  return applyEvent(s, { type: 'removal-requested', at: now.toISOString(), ...(overrideReason !== undefined ? { overrideReason } : {}) });
}
