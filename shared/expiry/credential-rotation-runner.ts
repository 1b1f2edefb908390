/**
 * Drives a rotation state through its actions with the outside world behind
 * ports, persisting after every event. The control plane and Graph
 * implementations plug in here (electron/services); tests plug in doubles and
 * crash between any effect and its record.
 */
import { isKeyholderError } from '../errors/index';
import { applyEvent, nextAction, type CredentialRotationEvent, type CredentialRotationState } from './credential-rotation';

export interface PasswordCredentialInfo {
  keyId: string;
  displayName?: string | null;
  endDateTime?: string | null;
}

export interface CredentialRotationPorts {
  /** Signs the holder in (interactive if needed); resolves to the account name. */
  signIn(): Promise<string>;
  listPasswords(appId: string): Promise<PasswordCredentialInfo[]>;
  /**
   * Graph addPassword. Must resolve only after the secret's text is kept
   * (sealed through the SecretBox under the rotation's id): text that is not
   * kept is an orphan the next attempt removes.
   */
  addPasswordAndKeep(appId: string, displayName: string, endDateTime: string, rotationId: string): Promise<PasswordCredentialInfo & { endDateTime: string }>;
  /** Graph removePassword; resolves when the credential is absent (already removed is success). */
  removePassword(appId: string, keyId: string): Promise<void>;
  /** Sealed update to the control plane; idempotent by rotationId. Throws KeyholderError 'control_plane.rejected' when refused. */
  submitCredentials(rotationId: string, appId: string, newKeyId: string): Promise<{ requestId: string }>;
  /** 'confirmed' with the control plane's time, 'pending', or 'rejected'. */
  confirmation(requestId: string): Promise<{ status: 'confirmed'; at: string } | { status: 'pending' } | { status: 'rejected'; reason: string }>;
  /** True when a client-credentials sign-in with the old secret is refused. */
  oldSecretFails(appId: string, keyId: string): Promise<boolean>;
  /** Writes worksheet line 4's expiry (and app id) and resets the item's reminders. */
  updateWorksheet(appId: string, newKeyId: string, expiresAt: string): Promise<void>;
}

export interface RunOptions {
  now(): Date;
  persist(state: CredentialRotationState): Promise<void>;
}

export type RunOutcome = 'waiting-overlap' | 'waiting-confirmation' | 'old-still-valid' | 'done' | 'rolled-back' | 'failed';

/**
 * Runs until the rotation needs time (overlap, confirmation) or a person, or
 * a step fails with an error the holder can act on (recorded in lastError,
 * nothing lost). Anything else thrown (a crash) propagates; resuming from the
 * last persisted state is always safe.
 */
export async function runCredentialRotation(start: CredentialRotationState, ports: CredentialRotationPorts, opts: RunOptions): Promise<{ state: CredentialRotationState; outcome: RunOutcome }> {
  let state = start;
  const record = async (e: CredentialRotationEvent) => {
    state = applyEvent(state, e);
    await opts.persist(state);
  };
  const at = () => opts.now().toISOString();
  for (;;) {
    const action = nextAction(state);
    try {
      switch (action.type) {
        case 'none':
          return { state, outcome: action.outcome === 'rotated' ? 'done' : 'rolled-back' };
        case 'wait-overlap':
          return { state, outcome: 'waiting-overlap' };
        case 'sign-in':
          await record({ type: 'signed-in', account: await ports.signIn(), at: at() });
          break;
        case 'add-password': {
          // Anything under this rotation's prefix that the state does not hold is a secret nobody kept.
          const orphans = (await ports.listPasswords(action.appId)).filter((c) => (c.displayName ?? '').startsWith(action.namePrefix));
          for (const o of orphans) await ports.removePassword(action.appId, o.keyId);
          if (orphans.length > 0) await record({ type: 'orphans-removed', keyIds: orphans.map((o) => o.keyId), at: at() });
          const added = await ports.addPasswordAndKeep(action.appId, action.displayName, action.endDateTime, state.rotationId);
          await record({ type: 'password-added', keyId: added.keyId, displayName: action.displayName, endDateTime: added.endDateTime, at: at() });
          break;
        }
        case 'submit-credentials':
          try {
            const { requestId } = await ports.submitCredentials(action.rotationId, action.appId, action.newKeyId);
            await record({ type: 'submitted', requestId, at: at() });
          } catch (e) {
            if (isKeyholderError(e) && e.code === 'control_plane.rejected') await record({ type: 'rejected', reason: e.message, at: at() });
            else throw e;
          }
          break;
        case 'await-confirmation': {
          const c = await ports.confirmation(action.requestId);
          if (c.status === 'pending') return { state, outcome: 'waiting-confirmation' };
          if (c.status === 'rejected') await record({ type: 'rejected', reason: c.reason, at: at() });
          else await record({ type: 'confirmed', at: c.at });
          break;
        }
        case 'remove-password':
          await ports.removePassword(action.appId, action.keyId);
          await record(action.why === 'old-secret' ? { type: 'old-removed', at: at() } : { type: 'new-removed', at: at() });
          break;
        case 'prove-old-fails':
          if (!(await ports.oldSecretFails(action.appId, action.keyId))) {
            // Entra can take a while to forget a removed secret; try again later.
            await record({ type: 'failed', code: 'rotation.old_secret_still_valid', message: 'The old secret still signs in; Entra can take a few minutes to forget it. Key Holder will check again.', at: at() });
            return { state, outcome: 'old-still-valid' };
          }
          await record({ type: 'old-proven-failing', at: at() });
          break;
        case 'update-worksheet':
          await ports.updateWorksheet(action.appId, action.newKeyId, action.expiresAt);
          await record({ type: 'worksheet-updated', at: at() });
          break;
      }
    } catch (e) {
      if (!isKeyholderError(e)) throw e;
      await record({ type: 'failed', code: e.code, message: e.message, at: at() });
      return { state, outcome: 'failed' };
    }
  }
}
