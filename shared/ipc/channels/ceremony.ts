/**
 * The workstation's current ceremony: where it stands (derived from its signed
 * transcript by the step table), who took part, closing it, and the printable
 * report. Fingerprints and identifiers only: the transcript never holds a secret.
 */
import { z } from 'zod';
import { channel, empty } from '../define';

const holder = z.union([z.literal(1), z.literal(2)]).nullable();

const ceremonyViewSchema = z.object({
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
  /** `words`: the entry in a key holder's words (entry-words.ts, from its fields: AWS's words for an AWS step). */
  entries: z.array(z.object({ seq: z.number().int(), at: z.string(), kind: z.string(), details: z.string(), words: z.string().optional() })),
  deviations: z.array(z.object({ seq: z.number().int(), at: z.string(), step: z.string(), reason: z.string(), stepId: z.string().optional() })),
  participants: z.array(z.object({ name: z.string(), role: z.string(), keyFingerprint: z.string().nullable(), holder })),
  problems: z.array(z.string()),
  complete: z.boolean(),
  /** Once closed: what the vendor reported since (a status, a registration re-checked), kept in the lifecycle transcript, not a new ceremony. */
  afterClose: z
    .object({
      recordedIn: z.string().nullable(),
      entries: z.array(z.object({ at: z.string(), kind: z.string(), details: z.string(), words: z.string().optional(), recordedIn: z.string().nullable() })),
    })
    .optional(),
});

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

const finding = z.object({ kind: z.string(), message: z.string(), workstation: z.string().optional() });
const recorder = z.object({ workstation: z.string(), keyFingerprint: z.string(), role: z.string() });

/**
 * The whole ceremony across workstations (shared/ceremony/merge.ts): this
 * workstation's transcript and the others' (imported files, the control
 * plane's copies), merged, with who recorded each step, and every fault, gap,
 * deviation and conflict.
 */
export const mergedCeremonyViewSchema = z.object({
  planFingerprint: z.string(),
  thisWorkstation: z.object({ label: z.string(), keyFingerprint: z.string() }),
  workstations: z.array(
    recorder.extend({
      source: z.string().nullable(),
      entries: z.number().int(),
      closed: z.object({ at: z.string(), finalHash: z.string(), outcome: z.string() }).nullable(),
      state: z.enum(['merged', 'missing', 'tampered', 'open']),
      thisOne: z.boolean(),
    }),
  ),
  steps: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      holder,
      state: z.enum(['done', 'ready', 'blocked']),
      waitingFor: z.array(z.string()),
      recordedBy: recorder.extend({ seq: z.number().int(), at: z.string() }).nullable(),
    }),
  ),
  entries: z.array(recorder.extend({ seq: z.number().int(), at: z.string(), kind: z.string(), details: z.string(), words: z.string().optional(), recordedAs: z.string().nullable() })),
  faults: z.array(finding),
  gaps: z.array(finding),
  deviations: z.array(finding),
  conflicts: z.array(finding),
  resolved: z.array(finding),
  complete: z.boolean(),
  /**
   * The control plane's part of this view. The view itself never waits for
   * the vendor: `ceremony:merged` is built from this workstation's record and
   * the files kept here (the control plane's copies as last fetched, at
   * `lastExchangedAt`); `ceremony:exchange` then asks the control plane, with
   * a short timeout, and says what came of it.
   */
  controlPlane: z.union([
    z.object({ state: z.literal('not_connected') }),
    /** Connected, not asked for this view: ceremony:exchange asks. */
    z.object({ state: z.literal('not_asked'), lastExchangedAt: z.string().nullable() }),
    z.object({ state: z.literal('exchanged'), at: z.string(), relayed: z.array(z.string()), received: z.array(z.string()), refused: z.array(z.string()) }),
    /** Not reached (or refused the exchange): the view shows the copies kept from `lastExchangedAt`, never hiding what is missing. */
    z.object({ state: z.literal('failed'), code: z.string(), message: z.string(), lastExchangedAt: z.string().nullable() }),
  ]),
});
export type MergedCeremonyView = z.infer<typeof mergedCeremonyViewSchema>;

/** One workstation's signed transcript file (docs/formats/transcript-bundle-v1.md); 24 MiB at most. */
const workstationFile = z.object({ name: z.string().min(1).max(255), text: z.string().min(1).max(24 * 2 ** 20) }).strict();

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
  /** The whole ceremony, merged from this workstation's transcript and the other workstations' kept here; never waits for the control plane. */
  'ceremony:merged': channel(empty, mergedCeremonyViewSchema),
  /** While connected: exchanges the transcripts with the control plane (short timeout), then the whole ceremony again. */
  'ceremony:exchange': channel(empty, mergedCeremonyViewSchema),
  /** Saves this workstation's transcript as a signed file, to carry to the other workstations. */
  'ceremony:exportWorkstationFile': channel(empty, exported),
  /** Takes another workstation's signed file (read by the page from the file the holder chose); kept apart from this workstation's own record. */
  'ceremony:importWorkstationFile': channel(workstationFile, z.object({ workstation: z.string(), entries: z.number().int(), view: mergedCeremonyViewSchema })),
} as const;
