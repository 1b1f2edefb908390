/**
 * Channels of the AWS KMS key store: the sign-in (IAM Identity Center device
 * authorisation; a named profile needs none), the worksheet's AWS lines, the
 * supervised import, and the key policy shown and diffed before it is
 * applied. Revoke and unrevoke go through the lifecycle channels, which act
 * on the AWS key while the settings choose AWS KMS.
 */
import { z } from 'zod';
import { channel, empty, ipcErrorSchema } from '../define';
import { activationViewSchema } from './activation';

const holder = z.union([z.literal(1), z.literal(2)]);

const awsRoleSchema = z.object({ accountId: z.string(), accountName: z.string(), roleName: z.string() });
const awsPromptSchema = z.object({ userCode: z.string(), verificationUri: z.string(), verificationUriComplete: z.string(), expiresAt: z.string() });

const awsStatusSchema = z.object({
  /** False until the settings choose AWS KMS with a Region and a sign-in. */
  configured: z.boolean(),
  problem: z.string().optional(),
  method: z.enum(['identity-center', 'profile']).nullable(),
  region: z.string().nullable(),
  state: z.enum(['signed-out', 'waiting', 'signed-in']),
  prompt: awsPromptSchema.optional(),
  roles: z.array(awsRoleSchema).optional(),
  role: awsRoleSchema.nullable().optional(),
  sessionExpiresAt: z.string().optional(),
  /** Signed out for a reason the holder should know: the kept sign-in expired, could not be opened, or cannot be kept (no keychain). */
  notice: z.string().optional(),
});

const awsWorksheetLineSchema = z
  .object({
    keyArn: z.string().max(300),
    vendorRoleArn: z.string().max(300),
    cacheMinutes: z.number().int().min(-100000).max(100000),
    vendorRegion: z.string().max(40),
    /** The holder's AWS account, for a key Key Holder is to create (a named key ARN says it by itself). */
    accountId: z.string().max(40).optional(),
  })
  .strict();

const lineCheck = z.object({ problems: z.partialRecord(z.enum(['keyArn', 'vendorRoleArn', 'cacheMinutes', 'vendorRegion', 'accountId', 'pair']), z.string()), advice: z.string().nullable() });

const awsWorksheetViewSchema = z.object({
  lines: z.object({ '1': awsWorksheetLineSchema.optional(), '2': awsWorksheetLineSchema.optional() }),
  checks: z.object({ '1': lineCheck, '2': lineCheck }),
  /** Where each holder's key store lives by their line (arn:aws:kms:{Region}:{account}), what the vendor registers; null while the line does not say. */
  locations: z.object({ '1': z.string().nullable(), '2': z.string().nullable() }),
  cacheTime: z.object({ minMinutes: z.number(), maxMinutes: z.number(), defaultMinutes: z.number() }),
  /** The holder this workstation acts for, when it can tell. */
  ownHolder: holder.nullable(),
});

const awsImportDraftSchema = z
  .object({
    holder,
    holderCopyPath: z.string().max(4096),
    keyArn: z.string().max(300),
    validTo: z.string().max(40),
  })
  .strict();

const awsImportOutcomeSchema = z.object({
  keyArn: z.string(),
  companionArn: z.string(),
  region: z.string(),
  accountId: z.string(),
  reused: z.boolean(),
  materialProof: z.enum(['imported', 'reimport-accepted']),
  parametersRefreshed: z.boolean(),
  validTo: z.string().nullable(),
  selfTest: z.object({ encryptDecrypt: z.boolean(), dataKey: z.boolean(), macMatchesLocal: z.boolean(), localMacVerified: z.boolean() }),
  fingerprint: z.string(),
  keyId: z.string(),
});

const awsPolicyProposalSchema = z.object({
  keyArn: z.string(),
  currentPolicy: z.string(),
  currentSha256: z.string(),
  proposedPolicy: z.string(),
  lines: z.array(z.string()),
  widened: z.array(z.string()),
  unchanged: z.boolean(),
});

export const awsChannels = {
  'aws:status': channel(empty, awsStatusSchema),
  /** Starts the device authorisation and opens its approval page in the browser; `aws:waitSignIn` gives the outcome. */
  'aws:startSignIn': channel(empty, awsPromptSchema.extend({ flowId: z.string() })),
  'aws:waitSignIn': channel(z.object({ flowId: z.string().max(64) }).strict(), awsStatusSchema),
  'aws:cancelSignIn': channel(empty, z.object({})),
  'aws:useRole': channel(z.object({ accountId: z.string().regex(/^\d{12}$/), roleName: z.string().min(1).max(64) }).strict(), awsStatusSchema),
  'aws:signOut': channel(empty, awsStatusSchema),
  'aws:worksheet': channel(empty, awsWorksheetViewSchema),
  /** Saves one holder's AWS line as typed (nothing is lost) and answers with what to correct. */
  'aws:saveWorksheet': channel(z.object({ holder, line: awsWorksheetLineSchema }).strict(), awsWorksheetViewSchema),
  'aws:state': channel(
    empty,
    z.object({
      record: z.object({ draft: awsImportDraftSchema, state: z.enum(['pending', 'failed', 'done']), updatedAt: z.string(), error: ipcErrorSchema.optional(), outcome: awsImportOutcomeSchema.optional() }).nullable(),
      suggested: z.object({ holder: holder.nullable(), keyArn: z.string(), holderCopies: z.array(z.string()) }),
      /** The key store's record was damaged (set aside, kept under a dated name): its state is unknown until the holder imports again. */
      damaged: ipcErrorSchema.optional(),
    }),
  ),
  'aws:saveDraft': channel(awsImportDraftSchema, z.object({})),
  /**
   * Checks and saves the draft, then starts the supervised activation (keeper, knower, supervisor) that imports it. As `vault:startImport` does, refuses a holder other than the workstation's own
   * without `otherHolderConfirmed` (the warned choice, recorded) and an import the step table does not allow yet.
   */
  'aws:startImport': channel(z.object({ ...awsImportDraftSchema.shape, otherHolderConfirmed: z.boolean().optional() }).strict(), activationViewSchema),
  /** The key policies Key Holder would write (the key, its companion HMAC key), each diffed against the current one: shown before anything is applied. */
  'aws:policy': channel(empty, z.object({ primary: awsPolicyProposalSchema, companion: awsPolicyProposalSchema })),
  /** Applies the policy shown (refused if it changed in AWS since, or widens a grant the holder did not confirm). */
  'aws:applyPolicy': channel(
    z.object({ primarySha256: z.string().regex(/^[0-9a-f]{64}$/), companionSha256: z.string().regex(/^[0-9a-f]{64}$/), confirmWidening: z.boolean() }).strict(),
    z.object({ primary: awsPolicyProposalSchema, companion: awsPolicyProposalSchema }),
  ),
};
