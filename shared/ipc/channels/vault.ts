import { z } from 'zod';
import { channel, empty } from '../define';
import { ipcErrorSchema } from '../define';

export const importDraftSchema = z
  .object({
    holder: z.union([z.literal(1), z.literal(2)]),
    holderCopyPath: z.string().max(4096),
    vaultUrl: z.string().max(512),
    keyName: z.string().max(127),
    protection: z.enum(['software', 'hsm']),
    allowEncryptDecrypt: z.boolean(),
  })
  .strict();

export const importOutcomeSchema = z.object({
  keyVersionId: z.string(),
  version: z.string(),
  reused: z.boolean(),
  hardwareProtected: z.boolean(),
  keyOps: z.array(z.string()),
  storeFingerprint: z.string(),
  fingerprint: z.string(),
  fingerprintMatches: z.boolean(),
  keyId: z.string(),
  selfTest: z.object({ unwrapInStore: z.boolean(), wrapInStore: z.boolean(), algorithm: z.string() }),
});

export const importRecordSchema = z.object({
  draft: importDraftSchema,
  state: z.enum(['pending', 'failed', 'done']),
  updatedAt: z.string(),
  error: ipcErrorSchema.optional(),
  outcome: importOutcomeSchema.optional(),
});

export const vaultChannels = {
  /** The last import (draft to refill the form, outcome or error) and suggestions from the worksheet. */
  'vault:state': channel(
    empty,
    z.object({
      record: importRecordSchema.nullable(),
      suggested: z.object({ holder: z.union([z.literal(1), z.literal(2)]).optional(), vaultUrl: z.string(), keyName: z.string(), holderCopies: z.array(z.string()) }),
    }),
  ),
  'vault:saveDraft': channel(importDraftSchema, z.object({})),
  /** The passphrase travels once, towards the Node side, and is never stored or returned. */
  'vault:import': channel(importDraftSchema.extend({ passphrase: z.string().min(1).max(1024) }).strict(), importOutcomeSchema),
  'vault:recoverDeletedKey': channel(z.object({ vaultUrl: z.string().max(512), keyName: z.string().max(127) }).strict(), z.object({})),
};
