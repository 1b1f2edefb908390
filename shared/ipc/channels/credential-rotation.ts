import { z } from 'zod';
import { channel, empty } from '../define';
import { credentialRotationPhases } from '../../expiry/credential-rotation';

const holder = z.union([z.literal(1), z.literal(2)]);
const rotationId = z.string().regex(/^[A-Za-z0-9-]{6,64}$/);

export const credentialRotationPlanSchema = z.object({
  holder,
  appId: z.string(),
  tenantId: z.string(),
  signedIn: z.boolean(),
  account: z.string().optional(),
  /** The application's client secrets (Graph), with the one on worksheet line 4 marked. */
  credentials: z.array(z.object({ keyId: z.string(), displayName: z.string().nullable(), hint: z.string().nullable(), endDateTime: z.string().nullable(), onWorksheet: z.boolean() })),
  rule: z.object({
    additionAllowed: z.boolean(),
    maxLifetime: z.string(),
    source: z.enum(['app-policy', 'tenant-default', 'azure-default']),
    suggestedEndDateTime: z.string(),
    maxEndDateTime: z.string(),
  }),
  unfinishedRotationId: z.string().optional(),
});
export type CredentialRotationPlan = z.infer<typeof credentialRotationPlanSchema>;

const stamp = z.object({ reason: z.string(), at: z.string() });
export const credentialRotationViewSchema = z.object({
  rotationId: z.string(),
  ceremony: z.string(),
  holder,
  appId: z.string(),
  newAppId: z.string().optional(),
  oldKeyId: z.string(),
  phase: z.enum(credentialRotationPhases),
  step: z.number().int().min(1).max(7),
  steps: z.array(z.object({ n: z.number().int(), title: z.string(), status: z.enum(['done', 'current', 'todo', 'failed']) })),
  secretName: z.string(),
  requestedEndDateTime: z.string(),
  /** The new secret, masked: its first three characters (Graph's hint) and dots. Its text never leaves the Node side. */
  newSecret: z.object({ keyId: z.string(), endDateTime: z.string(), masked: z.string().regex(/^[^•]{0,3}•+$/), kept: z.boolean() }).optional(),
  signedInAs: z.string().optional(),
  confirmedAt: z.string().optional(),
  overlapEndsAt: z.string().optional(),
  overlapRemainingMs: z.number().nonnegative(),
  override: stamp.optional(),
  rejection: stamp.optional(),
  lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).optional(),
  outcome: z.enum(['waiting-overlap', 'waiting-confirmation', 'old-still-valid', 'done', 'rolled-back', 'failed']).optional(),
  finished: z.boolean(),
  now: z.string(),
  startedAt: z.string(),
  history: z.array(z.object({ at: z.string(), event: z.string(), note: z.string().optional() })),
});
export type CredentialRotationView = z.infer<typeof credentialRotationViewSchema>;

export const credentialRotationChannels = {
  /** Every rotation on this workstation (unfinished ones first to resume), newest first. */
  'credential-rotation:list': channel(empty, z.object({ rotations: z.array(credentialRotationViewSchema) })),
  /** The application on worksheet line 3, its secrets and the lifetime the tenant allows. */
  'credential-rotation:plan': channel(z.object({ holder }).strict(), credentialRotationPlanSchema),
  /** Step 1 when not signed in: the holder signs in to the worksheet's tenant. */
  'credential-rotation:sign-in': channel(z.object({ holder }).strict(), z.object({ account: z.string() })),
  'credential-rotation:start': channel(
    z.object({ holder, oldKeyId: z.string().min(1).max(64), endDateTime: z.string().min(10).max(40), newAppId: z.string().max(64).optional() }).strict(),
    credentialRotationViewSchema,
  ),
  'credential-rotation:get': channel(z.object({ rotationId }).strict(), credentialRotationViewSchema),
  /** Runs the rotation as far as it can go now (until the overlap, a confirmation, or an error to act on). */
  'credential-rotation:advance': channel(z.object({ rotationId }).strict(), credentialRotationViewSchema),
  /** Gives up a rotation before anything was delivered (steps 1-2); secrets under its name are removed in Azure. */
  'credential-rotation:abandon': channel(z.object({ rotationId }).strict(), z.object({ abandoned: z.literal(true), removedSecrets: z.number().int() })),
  /** Removes the old secret: refused during the 24-hour overlap unless a reason is typed (recorded). */
  'credential-rotation:remove-old': channel(z.object({ rotationId, overrideReason: z.string().max(500).optional() }).strict(), credentialRotationViewSchema),
};
