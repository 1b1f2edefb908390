import { z } from 'zod';
import { channel, empty } from '../define';

const accountSchema = z.object({
  tenantId: z.string(),
  homeAccountId: z.string(),
  username: z.string(),
  name: z.string().optional(),
});

const deviceCodeSchema = z.object({
  userCode: z.string(),
  verificationUri: z.string(),
  expiresAt: z.string(),
  message: z.string(),
});

const tenantId = z.string().trim().min(1).max(256);

export const identityChannels = {
  /** Who is signed in, and whether sign-in is configured at all (live mode needs settings). */
  'identity:status': channel(
    empty,
    z.object({
      configured: z.boolean(),
      /** Shown when not configured: what to set. */
      problem: z.string().optional(),
      cloud: z.string(),
      defaultTenantId: z.string().optional(),
      accounts: z.array(accountSchema),
      active: accountSchema.nullable(),
      secretStorage: z.object({ available: z.boolean(), reason: z.string().optional() }),
    }),
  ),
  /** Opens the system browser (or asks for a device code) and returns at once; `waitSignIn` gives the outcome. */
  'identity:startSignIn': channel(
    z.object({ tenantId, method: z.enum(['browser', 'device-code']) }).strict(),
    z.object({ flowId: z.string(), method: z.enum(['browser', 'device-code']), deviceCode: deviceCodeSchema.optional() }),
  ),
  'identity:waitSignIn': channel(z.object({ flowId: z.string().max(64) }).strict(), accountSchema),
  'identity:cancelSignIn': channel(z.object({ flowId: z.string().max(64).optional() }).strict(), z.object({})),
  'identity:useAccount': channel(z.object({ tenantId, homeAccountId: z.string().max(512) }).strict(), accountSchema),
  'identity:signOut': channel(z.object({ tenantId: tenantId.optional() }).strict(), z.object({})),
};
