import { z } from 'zod';
import { channel, empty, ipcErrorSchema } from '../define';
import { trackedItemSchema } from '../../expiry/model';

const thresholdValue = z.union([z.literal('expired'), z.number().int()]);

const expiryRowSchema = z.object({
  id: z.string(),
  item: trackedItemSchema,
  daysLeft: z.number().int(),
  expired: z.boolean(),
  expiresOn: z.string(),
  threshold: thresholdValue.nullable(),
  urgency: z.enum(['expired', 'critical', 'warning', 'notice', 'ok']),
  breaks: z.string(),
  action: z.string(),
  snoozedUntil: z.string().optional(),
});

export const expiryChannels = {
  /** Every tracked item of this workstation, most urgent first. */
  'expiry:dashboard': channel(
    /** readGraph: ask Graph first when signed in (opening the screen); a reload after a change does not. */
    z.object({ readGraph: z.boolean().optional() }).strict(),
    z.object({
      now: z.string(),
      timeZone: z.string(),
      worst: expiryRowSchema.shape.urgency,
      rows: z.array(expiryRowSchema),
      /** Where the secrets' dates come from: Graph just now (signed in), Graph's last read, or the worksheet (never read from Graph). */
      dates: z.object({ from: z.enum(['graph', 'graph-earlier', 'worksheet']), account: z.string().optional(), readAt: z.string().optional(), problem: z.string().optional() }),
      /**
       * The AWS key store's record was damaged (set aside): its key material's expiry cannot be listed until the
       * holder imports again. Said here (which file, where the copy is, what to do) so it never passes for "nothing tracked".
       */
      awsKeyStoreDamaged: ipcErrorSchema.optional(),
    }),
  ),
  /** Quiet an item's reminder for a calendar day or week (never past its expiry). */
  'expiry:snooze': channel(z.object({ itemId: z.string().min(1).max(2048), period: z.enum(['day', 'week']) }).strict(), z.object({ until: z.string() })),
  /** The .ics text of every expiry; the page offers it as a download. */
  'expiry:calendar': channel(empty, z.object({ ics: z.string(), events: z.number().int(), fileName: z.string() })),
};
