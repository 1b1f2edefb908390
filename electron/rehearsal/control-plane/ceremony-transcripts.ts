/**
 * One ceremony across workstations, at the vendor: each holder's app puts its
 * workstation's signed transcript (docs/formats/transcript-bundle-v1.md) with
 * the ceremony plan, and fetches the other workstations' transcripts of the
 * same environment. A holder's app also passes on the files of workstations
 * without an enrolment (the custodians', a supervisor's): a transcript is
 * checked against the pinned plan's workstation key, not against the
 * enrolment that puts it. The first plan received is pinned for the environment; a
 * later plan that differs (a participant added, removed, or with another key
 * or roles; a workstation added or removed) is refused with what changed, so
 * both holders and the vendor see one plan. Every transcript is checked
 * before it is kept: its file signature, its chain, and that its workstation
 * is in the pinned plan. Kept sealed at rest with the rest of the state
 * (record-seal.ts). Ed25519 with node:crypto here: the rehearsal cloud never
 * imports the app's crypto helpers; the formats' pure checks are shared.
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { z } from 'zod';
import { isKeyholderError } from '../../../shared/errors/index';
import { parsePlan, planFingerprint, type CeremonyPlan } from '../../../shared/ceremony/plan';
import { parseBundle, type TranscriptBundle } from '../../../shared/transcript/bundle';
import { keyFingerprint, type VerifyFn } from '../../../shared/transcript/entry';
import { verifyTranscript } from '../../../shared/transcript/verify';
import type { Holder } from '../../../shared/control-plane/api';
import type { ControlPlaneStore, StoredEnrolment } from './store';

/** Transcripts are larger than the other bodies; a ceremony's few hundred entries stay far below this. */
export const MAX_TRANSCRIPT_BODY = 4 * 2 ** 20;

export const ceremonyTranscriptPutSchema = z.object({ plan: z.unknown(), bundle: z.unknown() }).strict();

export interface StoredCeremonyPlan {
  fingerprint: string;
  plan: CeremonyPlan;
  pinnedAt: string;
  pinnedByHolder: Holder;
}

export interface StoredCeremonyTranscript {
  environmentId: string;
  /** The holder whose enrolment put it. */
  holder: Holder;
  receivedAt: string;
  bundle: TranscriptBundle;
}

export interface CeremonyTranscriptReceipt {
  workstation: string;
  keyFingerprint: string;
  entries: number;
  receivedAt: string;
  planFingerprint: string;
}

export class CeremonyTranscriptFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const verify: VerifyFn = (publicKey, message, signature) => {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
    return nodeVerify(null, message, key, signature);
  } catch {
    return false;
  }
};

/** What differs between the pinned plan and another, in words. */
function planChanges(pinned: CeremonyPlan, next: CeremonyPlan): string[] {
  const out: string[] = [];
  const byKey = new Map(pinned.participants.map((p) => [p.key, p]));
  const nextKeys = new Set(next.participants.map((p) => p.key));
  for (const p of next.participants) {
    const was = byKey.get(p.key);
    if (!was) out.push(`${p.name} (${p.roles.join(', ')}) was added`);
    else if (was.name !== p.name || [...was.roles].sort().join() !== [...p.roles].sort().join()) out.push(`${was.name} now appears as ${p.name} (${p.roles.join(', ')}), pinned as ${was.roles.join(', ')}`);
  }
  for (const p of pinned.participants) if (!nextKeys.has(p.key)) out.push(`${p.name} (${p.roles.join(', ')}) was removed or has another key`);
  const ws = new Set(pinned.workstations.map((w) => w.key));
  const nextWs = new Set(next.workstations.map((w) => w.key));
  for (const w of next.workstations) if (!ws.has(w.key)) out.push(`workstation ${w.label} (${keyFingerprint(w.key)}) was added`);
  for (const w of pinned.workstations) if (!nextWs.has(w.key)) out.push(`workstation ${w.label} (${keyFingerprint(w.key)}) was removed`);
  return out;
}

const entriesOf = (text: string) => text.split('\n').filter(Boolean).length;

export function createCeremonyTranscripts(store: ControlPlaneStore, now: () => Date) {
  return {
    async put(e: StoredEnrolment, body: { plan: unknown; bundle: unknown }): Promise<CeremonyTranscriptReceipt> {
      let plan: CeremonyPlan;
      let bundle: TranscriptBundle;
      try {
        plan = parsePlan(body.plan, verify);
      } catch (x) {
        throw new CeremonyTranscriptFailure(400, 'ceremony_plan_invalid', isKeyholderError(x) ? x.message : 'The ceremony plan is not valid.');
      }
      try {
        bundle = parseBundle(JSON.stringify(body.bundle), verify);
      } catch (x) {
        throw new CeremonyTranscriptFailure(400, 'ceremony_transcript_invalid', isKeyholderError(x) ? x.message : 'The transcript file is not valid.');
      }
      if (!plan.workstations.some((w) => w.key === bundle.workstation.key)) {
        throw new CeremonyTranscriptFailure(400, 'ceremony_transcript_not_in_plan', `The transcript of ${bundle.workstation.label} is signed by a workstation key (${keyFingerprint(bundle.workstation.key)}) that is not in the ceremony plan sent with it.`);
      }
      const r = verifyTranscript(bundle.transcript, verify, { allowOpen: true });
      if (!r.ok && r.fault.reason !== 'not-closed') {
        throw new CeremonyTranscriptFailure(400, 'ceremony_transcript_tampered', `The transcript of ${bundle.workstation.label} fails verification (${r.fault.reason} at line ${r.fault.line}): ${r.fault.message}`);
      }
      const fingerprint = planFingerprint(plan);
      const receivedAt = now().toISOString();
      const stored = await store.update((s) => {
        const plans = (s.ceremonyPlans ??= {});
        const pinned = plans[e.environmentId];
        if (!pinned) plans[e.environmentId] = { fingerprint, plan, pinnedAt: receivedAt, pinnedByHolder: e.holder };
        else if (pinned.fingerprint !== fingerprint) {
          const changes = planChanges(pinned.plan, plan);
          throw new CeremonyTranscriptFailure(
            409,
            'ceremony_plan_changed',
            `The ceremony plan differs from the one pinned for this environment (${pinned.fingerprint}, sent by key holder ${pinned.pinnedByHolder} at ${pinned.pinnedAt}): ${changes.join('; ') || 'its entries differ'}. Both holders must hold the same plan: exchange the plans and compare the fingerprint aloud; a plan that changes who takes part needs the vendor to reset the pinned plan.`,
          );
        }
        if (!(s.ceremonyPlans[e.environmentId]!.plan.workstations.some((w) => w.key === bundle.workstation.key))) {
          throw new CeremonyTranscriptFailure(400, 'ceremony_transcript_not_in_plan', `The transcript of ${bundle.workstation.label} is from a workstation that is not in the pinned ceremony plan.`);
        }
        const all = (s.ceremonyTranscripts ??= {});
        const key = `${e.environmentId}/${bundle.workstation.key}`;
        const had = all[key];
        if (had) {
          if (had.bundle.transcript.startsWith(bundle.transcript)) return had;
          if (!bundle.transcript.startsWith(had.bundle.transcript)) {
            throw new CeremonyTranscriptFailure(409, 'ceremony_transcript_forked', `The transcript of ${bundle.workstation.label} does not continue the one already received from it (another ceremony, or a record rewritten). The first one is kept.`);
          }
        }
        const next: StoredCeremonyTranscript = { environmentId: e.environmentId, holder: e.holder, receivedAt, bundle };
        all[key] = next;
        return next;
      });
      return { workstation: stored.bundle.workstation.label, keyFingerprint: keyFingerprint(stored.bundle.workstation.key), entries: entriesOf(stored.bundle.transcript), receivedAt: stored.receivedAt, planFingerprint: fingerprint };
    },

    /** The pinned plan and every workstation's transcript of the enrolment's environment. */
    list(e: StoredEnrolment): { planFingerprint: string | null; transcripts: (TranscriptBundle & { receivedAt: string })[] } {
      const s = store.read();
      const pinned = s.ceremonyPlans?.[e.environmentId];
      const transcripts = Object.values(s.ceremonyTranscripts ?? {})
        .filter((t) => t.environmentId === e.environmentId)
        .map((t) => ({ ...t.bundle, receivedAt: t.receivedAt }));
      return { planFingerprint: pinned?.fingerprint ?? null, transcripts };
    },
  };
}
