/**
 * Channels of live-mode settings: what the settings screen and the first-run
 * question show (with what IT set, locked), the connection test, saving after
 * the holder confirms, and switching modes (which ends the session).
 */
import { z } from 'zod';
import { channel, empty } from '../define';

const mode = z.enum(['rehearsal', 'live']);
const source = z.enum(['policy', 'settings', 'environment']);
const liveField = z.enum(['tenant', 'clientId', 'cloud', 'custom', 'expiryTracking']);

const fieldProblemSchema = z.object({
  field: z.string(),
  message: z.string(),
  help: z.object({ href: z.string(), label: z.string() }),
});

const customSchema = z.object({
  authorityHost: z.string(),
  keyVaultDnsSuffix: z.string(),
  managedHsmDnsSuffix: z.string(),
  keyVaultScope: z.string(),
  graphEndpoint: z.string(),
  graphScope: z.string(),
  resourceManagerEndpoint: z.string(),
  resourceManagerScope: z.string(),
});

const awsSignInView = z.union([
  z.object({ method: z.literal('identity-center'), startUrl: z.string(), ssoRegion: z.string() }),
  z.object({ method: z.literal('profile'), profile: z.string() }),
]);
const awsSettingsView = z.object({ region: z.string().optional(), signIn: awsSignInView.optional(), kmsEndpoint: z.string().optional() });

const keyStoreViewSchema = z.object({
  provider: z.enum(['azure-key-vault', 'aws-kms']),
  /** Where the choice came from: IT's policy, the holder's settings, or the default (Azure Key Vault). */
  providerSource: z.enum(['policy', 'settings', 'default']),
  aws: awsSettingsView.optional(),
  /** Fields IT pinned: shown locked. */
  managed: z.array(z.enum(['provider', 'region', 'signIn', 'kmsEndpoint'])),
  problems: z.array(z.object({ field: z.string(), message: z.string() })),
  /** Rehearsal: what this session uses instead (the rehearsal cloud's Identity Center and KMS). */
  rehearsal: z.object({ region: z.string(), startUrl: z.string(), ssoRegion: z.string(), kmsEndpoint: z.string() }).nullable(),
});

const keyStoreDraft = z
  .object({
    provider: z.string().max(40),
    aws: z
      .object({
        region: z.string().max(40),
        signIn: z.union([
          z.object({ method: z.literal('identity-center'), startUrl: z.string().max(600), ssoRegion: z.string().max(40) }).strict(),
          z.object({ method: z.literal('profile'), profile: z.string().max(100) }).strict(),
        ]),
        kmsEndpoint: z.string().max(400).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const settingsViewSchema = z.object({
  /** The mode this session runs in (what the banner says). */
  running: mode,
  /** The mode the next session starts in. */
  configured: mode,
  /** True on first run: the holder has not chosen between rehearsal and the organisation's tenant. */
  firstRun: z.boolean(),
  rehearsalAllowed: z.boolean(),
  modeLocked: z.boolean(),
  values: z.object({
    tenant: z.string().optional(),
    clientId: z.string().optional(),
    cloud: z.string().optional(),
    custom: customSchema.optional(),
    expiryTracking: z.boolean().optional(),
  }),
  sources: z.partialRecord(liveField, source),
  /** Fields set by the organisation's policy: shown locked. */
  managed: z.array(liveField),
  /** Why live mode cannot start with the merged values (missing or wrong fields). */
  problems: z.array(fieldProblemSchema),
  liveReady: z.boolean(),
  controlPlane: z.object({ url: z.string(), fingerprint: z.string() }).nullable(),
  policyOrigin: z.string().nullable(),
  policyProblems: z.array(fieldProblemSchema),
  /** The sign-in host of this session (openExternal may open only it). */
  authorityHost: z.string().nullable(),
  /** The key store (Azure Key Vault or AWS KMS) and its AWS settings. */
  keyStore: keyStoreViewSchema,
});

const liveSettingsDraft = z
  .object({
    tenant: z.string().max(300),
    clientId: z.string().max(300),
    cloud: z.string().max(20),
    custom: z.record(z.string(), z.string().max(400)).optional(),
    expiryTracking: z.boolean().optional(),
  })
  .strict();

const connectionCheckSchema = z.object({
  id: z.string(),
  label: z.string(),
  status: z.enum(['pass', 'fail', 'warn', 'skipped']),
  message: z.string(),
});

export const settingsChannels = {
  'settings:view': channel(empty, settingsViewSchema),
  /** Signs in with the draft settings (memory only) and checks vault, role and Graph; saves nothing. */
  'settings:test': channel(
    z.object({ settings: liveSettingsDraft, vaultUrl: z.string().min(1).max(300) }).strict(),
    z.object({ ok: z.boolean(), checks: z.array(connectionCheckSchema) }),
  ),
  /** Saves the live settings as a whole, only with `confirmed: true`; a wrong or managed field saves nothing. */
  'settings:save': channel(z.object({ settings: liveSettingsDraft, confirmed: z.boolean() }).strict(), settingsViewSchema),
  /** Saves the key-store choice and its AWS settings as a whole, only with `confirmed: true`; IT's pinned fields cannot change. */
  'settings:save-key-store': channel(z.object({ keyStore: keyStoreDraft, confirmed: z.boolean() }).strict(), settingsViewSchema),
  /** First run: rehearsal (nothing to enter) or the organisation's tenant. */
  'settings:choose-mode': channel(z.object({ mode }).strict(), settingsViewSchema),
  /** Records the mode for the next session, ends this one (sign-outs, wiped activations) and restarts if it can. */
  'settings:switch-mode': channel(z.object({ mode, confirmed: z.boolean() }).strict(), z.object({ view: settingsViewSchema, restarting: z.boolean() })),
};
