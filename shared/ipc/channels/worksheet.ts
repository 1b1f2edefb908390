import { z } from 'zod';
import { channel, empty } from '../define';
import { FIELDS, holderFieldsSchema, issueSchema } from '../../worksheet/model';

const holderNo = z.union([z.literal(1), z.literal(2)]);

/** What happens to a holder's stored client secret on save: the secret only ever travels towards the Node side. */
const secretChangeSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('keep') }),
  z.object({ action: z.literal('set'), value: z.string().min(1).max(1024) }),
  z.object({ action: z.literal('clear') }),
]);

const holderViewSchema = holderFieldsSchema.extend({
  /** Never the secret itself: whether one is stored, and whether this computer can open it. */
  secret: z.enum(['none', 'stored', 'unreadable']),
});

const worksheetNoticeSchema = z.object({
  code: z.string(),
  message: z.string(),
  holder: holderNo.optional(),
  keptAt: z.string().optional(),
});

export const worksheetViewSchema = z.object({
  mode: z.enum(['rehearsal', 'live']),
  /** Live mode: the configured cloud's vault DNS suffixes (a custom cloud's), accepted by the rules. */
  customVaultSuffixes: z.array(z.string()).optional(),
  holder1: holderViewSchema,
  holder2: holderViewSchema,
  issues: z.array(issueSchema),
  missing: z.object({ holder1: z.array(z.enum(FIELDS)), holder2: z.array(z.enum(FIELDS)) }),
  complete: z.boolean(),
  updatedAt: z.string().optional(),
  secretStorage: z.object({ available: z.boolean(), reason: z.string().optional() }),
  notices: z.array(worksheetNoticeSchema),
});
export type WorksheetView = z.infer<typeof worksheetViewSchema>;

const holderSave = holderFieldsSchema.extend({ secret: secretChangeSchema });

const exported = z.union([z.object({ saved: z.literal(true), path: z.string() }), z.object({ saved: z.literal(false) })]);

export const worksheetChannels = {
  'worksheet:get': channel(empty, worksheetViewSchema),
  'worksheet:save': channel(z.object({ holder1: holderSave, holder2: holderSave }).strict(), worksheetViewSchema),
  /** The explicit "Reveal" action: the only way a stored secret reaches the page. */
  'worksheet:revealSecret': channel(z.object({ holder: holderNo }).strict(), z.object({ secret: z.string() })),
  'worksheet:exportJson': channel(empty, exported),
  'worksheet:exportPdf': channel(z.object({ includeSecret: z.boolean() }).strict(), exported),
};

