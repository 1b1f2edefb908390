/**
 * The workstation's current ceremony: where it stands (derived from its signed
 * transcript by the step table), who took part, closing it, and the printable
 * report. Fingerprints and identifiers only: the transcript never holds a secret.
 */
import { z } from 'zod';
import { channel, empty } from '../define';

const holder = z.union([z.literal(1), z.literal(2)]).nullable();

export const ceremonyViewSchema = z.object({
  ceremony: z.string().nullable(),
  transcriptFile: z.string().nullable(),
  openedAt: z.string().nullable(),
  closed: z.object({ at: z.string(), finalHash: z.string(), outcome: z.string() }).nullable(),
  workstationKey: z.string().nullable(),
  steps: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      holder,
      state: z.enum(['done', 'ready', 'blocked']),
      waitingFor: z.array(z.string()),
      seq: z.number().int().nullable(),
      at: z.string().nullable(),
      details: z.string(),
    }),
  ),
  entries: z.array(z.object({ seq: z.number().int(), at: z.string(), kind: z.string(), details: z.string() })),
  deviations: z.array(z.object({ seq: z.number().int(), at: z.string(), step: z.string(), reason: z.string(), stepId: z.string().optional() })),
  participants: z.array(z.object({ name: z.string(), role: z.string(), keyFingerprint: z.string().nullable(), holder })),
  problems: z.array(z.string()),
  complete: z.boolean(),
});
export type CeremonyViewShape = z.infer<typeof ceremonyViewSchema>;

/**
 * What became of sending the closed ceremony's final hash to the control plane.
 * The closure stands either way; a record not sent waits on this workstation
 * until 'ceremony:send-record' succeeds.
 */
export const ceremonyRecordOutcomeSchema = z.union([
  z.object({ state: z.literal('recorded'), recordId: z.string(), receivedAt: z.string(), sha256: z.string() }),
  z.object({ state: z.literal('not_sent'), code: z.string(), message: z.string() }),
]);
export type CeremonyRecordOutcome = z.infer<typeof ceremonyRecordOutcomeSchema>;

const exported = z.union([z.object({ saved: z.literal(true), path: z.string() }), z.object({ saved: z.literal(false) })]);

export const ceremonyChannels = {
  'ceremony:view': channel(empty, ceremonyViewSchema),
  /** Writes the final signed entry: completed when every step is done, otherwise abandoned with the reason given. */
  'ceremony:close': channel(
    z.object({ reason: z.string().max(500).optional() }).strict(),
    z.object({ finalHash: z.string(), outcome: z.enum(['completed', 'abandoned']), view: ceremonyViewSchema, controlPlane: ceremonyRecordOutcomeSchema }),
  ),
  /** Sends closed ceremonies' final hashes that have not reached the control plane yet (e.g. it was unreachable at closing). */
  'ceremony:send-record': channel(empty, z.object({ sent: z.number().int(), pending: z.number().int(), problem: z.object({ code: z.string(), message: z.string() }).nullable() })),
  /** The printable ceremony report as self-contained HTML (shown in the page for printing). */
  'ceremony:report': channel(empty, z.object({ html: z.string() })),
  'ceremony:exportReportPdf': channel(empty, exported),
} as const;
