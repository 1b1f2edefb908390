/**
 * This workstation's copy of the ceremony plan (shared/ceremony/plan.ts),
 * kept at <dataDir>/participants/ceremony-plan.json and signed by the
 * workstation's ceremony key, whose private half only the SecretBox can
 * open: a participant or workstation added to the file by hand makes it
 * fail to verify, and the desk then refuses every join.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import { canonicalJson, fromBase64Url, toBase64Url, utf8 } from '../../../shared/transcript/canonical';
import { addWorkstation, emptyPlan, parsePlan, type CeremonyPlan } from '../../../shared/ceremony/plan';
import { ed25519Verify } from '../transcript/ed25519';

/** The workstation's ceremony (transcript) key, as the plan needs it. */
export interface WorkstationKey {
  label: string;
  /** base64url raw Ed25519 public key. */
  publicKey: string;
  sign(message: Uint8Array): Uint8Array;
}

const DOMAIN = 'keyholder ceremony plan v1\n';
const signingBytes = (plan: CeremonyPlan) => utf8(DOMAIN + canonicalJson(plan));

export function createPlanStore(dataDir: string, workstation: () => WorkstationKey) {
  const file = path.join(dataDir, 'participants', 'ceremony-plan.json');

  function read(): CeremonyPlan {
    const me = workstation();
    if (!existsSync(file)) return addWorkstation(emptyPlan(), { label: me.label, key: me.publicKey });
    let raw: { plan?: unknown; signer?: unknown; sig?: unknown };
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as typeof raw;
    } catch {
      throw new KeyholderError('plan.tampered', `The ceremony plan (${file}) is damaged. Import it again from the other key holder's workstation, or enrol the participants again.`);
    }
    const sig = typeof raw.sig === 'string' ? fromBase64Url(raw.sig) : null;
    const signer = typeof raw.signer === 'string' ? fromBase64Url(raw.signer) : null;
    if (raw.signer !== me.publicKey || !sig || !signer || !ed25519Verify(signer, signingBytes(raw.plan as CeremonyPlan), sig)) {
      throw new KeyholderError('plan.tampered', `The ceremony plan (${file}) was not written by this workstation or was changed since: no one can join an activation with it. Import the plan again and compare its fingerprint aloud.`);
    }
    return parsePlan(raw.plan, ed25519Verify);
  }

  function write(plan: CeremonyPlan): void {
    const me = workstation();
    const body = { format: 'keyholder-signed-plan', v: 1, plan, signer: me.publicKey, sig: toBase64Url(me.sign(signingBytes(plan))) };
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file + '.tmp', JSON.stringify(body, null, 2) + '\n', { mode: 0o600 });
    renameSync(file + '.tmp', file);
  }

  return { read, write, file };
}
