/**
 * The escrow ceremony over IPC. The renderer deals only in session IDs, key
 * IDs, fingerprints and file names; the source key never crosses. Passphrases
 * cross inward only (typed by custodians) and are never echoed back.
 */
import { z } from 'zod';
import { channel, empty } from '../define';

const sessionId = z.string().uuid();
const passphrase = z.string().min(1).max(256);

const keySummarySchema = z.object({
  keyId: z.string(),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  fingerprintGrouped: z.string(),
  checkValue: z.string(),
  modulusBits: z.number().int(),
});

const artifactSchema = z.object({
  file: z.string(),
  kind: z.enum(['escrow', 'pem', 'holder-copy']),
  kdf: z.string(),
  gpuGuessesPerSecond: z.number(),
});

const ceremonyStatusSchema = z.object({
  sessionId,
  key: keySummarySchema,
  /** RSA for Azure Key Vault, AES (256-bit) for AWS KMS. */
  keyType: z.enum(['RSA', 'AES']).optional(),
  threshold: z.number().int().nullable(),
  custodians: z.array(z.object({ index: z.number().int(), name: z.string(), passphraseEntered: z.boolean(), restoreVerified: z.boolean() })),
  written: z
    .object({
      folder: z.string(),
      escrowFile: z.string(),
      escrowSha256: z.string(),
      pemFiles: z.array(z.string()),
      sheetFile: z.string(),
      artifacts: z.array(artifactSchema),
      weakest: artifactSchema,
    })
    .nullable(),
  restoreDone: z.boolean(),
  receiptFile: z.string().nullable(),
  holderCopies: z.array(z.object({ label: z.string(), file: z.string() })),
});

const strengthSchema = z.object({
  acceptable: z.boolean(),
  score: z.number(),
  guessesLog10: z.number(),
  explanation: z.string(),
  warning: z.string().nullable(),
  suggestions: z.array(z.string()),
});

/** What an escrow file says about itself without any passphrase: its header, for the inspector (a double-clicked .khescrow). */
const escrowFileInfoSchema = z.object({
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  keys: z.array(
    z.object({
      keyId: z.string(),
      fingerprintGrouped: z.string(),
      checkValue: z.string(),
      /** What kind of key, in a key holder's words: "RSA 3072" (Azure source key) or "AES 256" (AWS KMS key material). */
      keyKind: z.string(),
      /** Made in a rehearsal (marked in the authenticated header): never for a live ceremony. */
      rehearsal: z.boolean(),
      created: z.string(),
      purpose: z.string(),
      threshold: z.number().int(),
      custodians: z.array(z.object({ index: z.number().int(), name: z.string(), kdf: z.string() })),
    }),
  ),
});

export const escrowChannels = {
  'escrow:defaults': channel(
    empty,
    z.object({
      sizes: z.array(z.number().int()),
      defaultSize: z.number().int(),
      sizeReason: z.string(),
      kdf: z.string(),
      pemKdf: z.string(),
      /** The key store the settings choose: AWS KMS takes a 256-bit AES key (no size to choose, no PEM), Azure an RSA key. */
      keyStore: z.enum(['azure-key-vault', 'aws-kms']).optional(),
    }),
  ),
  'escrow:start': channel(z.object({ modulusBits: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]), purpose: z.string().max(200).optional() }).strict(), ceremonyStatusSchema),
  'escrow:status': channel(z.object({ sessionId }).strict(), ceremonyStatusSchema),
  'escrow:setCustodians': channel(z.object({ sessionId, names: z.array(z.string().min(1).max(80)).min(1).max(16), threshold: z.number().int().min(1).max(16) }).strict(), ceremonyStatusSchema),
  'escrow:assess': channel(z.object({ passphrase: z.string().max(256), context: z.array(z.string().max(200)).max(20).optional() }).strict(), strengthSchema),
  'escrow:enterPassphrase': channel(z.object({ sessionId, index: z.number().int().min(1).max(16), passphrase }).strict(), ceremonyStatusSchema),
  'escrow:write': channel(z.object({ sessionId }).strict(), ceremonyStatusSchema),
  'escrow:testRestore': channel(z.object({ sessionId, index: z.number().int().min(1).max(16), passphrase }).strict(), ceremonyStatusSchema),
  'escrow:sheet': channel(z.object({ sessionId }).strict(), z.object({ html: z.string() })),
  'escrow:holderCopy': channel(z.object({ sessionId, label: z.string().min(1).max(80), passphrase }).strict(), ceremonyStatusSchema),
  'escrow:close': channel(z.object({ sessionId }).strict(), z.object({})),
  /** Reads only the header of an absolute path ending in .khescrow; nothing secret is in it or comes back. */
  'escrow:inspect': channel(z.object({ file: z.string().min(1).max(1024) }).strict(), escrowFileInfoSchema),
};
