import { z } from 'zod';
import { channel, empty } from '../define';
import { ipcErrorSchema } from '../define';
import { activationViewSchema } from './activation';
import { KEY_STORE_PROVIDERS } from '../../settings/key-store';

const importDraftSchema = z
  .object({
    holder: z.union([z.literal(1), z.literal(2)]),
    holderCopyPath: z.string().max(4096),
    vaultUrl: z.string().max(512),
    keyName: z.string().max(127),
    protection: z.enum(['software', 'hsm']),
    allowEncryptDecrypt: z.boolean(),
  })
  .strict();

/**
 * The draft, and whether the holder explicitly chose to import as the other
 * key holder than this workstation's own (warned on the screen, recorded in
 * the ceremony transcript; refused without it).
 */
const startImportSchema = z.object({ ...importDraftSchema.shape, otherHolderConfirmed: z.boolean().optional() }).strict();

const importOutcomeSchema = z.object({
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

const importRecordSchema = z.object({
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
      /** `holder` is this workstation's own holder when it can tell; absent, the holder chooses (nothing is guessed). */
      suggested: z.object({ holder: z.union([z.literal(1), z.literal(2)]).optional(), vaultUrl: z.string(), keyName: z.string(), holderCopies: z.array(z.string()) }),
    }),
  ),
  'vault:saveDraft': channel(importDraftSchema, z.object({})),
  /**
   * The native file chooser for the key-holder copy (no typed path); `path` is null when the holder cancels. Refuses,
   * from its header alone, a file that is not a key-holder copy, one this mode may not use, and a copy of the other
   * key store's key (`keyStore`: the screen's key store; absent, the one the settings choose).
   */
  'vault:chooseHolderCopy': channel(z.object({ keyStore: z.enum(KEY_STORE_PROVIDERS).optional() }).strict(), z.object({ path: z.string().nullable() })),
  /**
   * Saves the draft and starts the supervised activation that imports it: the
   * keeper presents the holder copy, a different person (the knower) types its
   * passphrase on the hand-over screen, the supervisor attests, then the import
   * runs on the Node side. The page never takes the copy's passphrase itself.
   */
  'vault:startImport': channel(startImportSchema, activationViewSchema),
  'vault:recoverDeletedKey': channel(z.object({ vaultUrl: z.string().max(512), keyName: z.string().max(127) }).strict(), z.object({})),
};
