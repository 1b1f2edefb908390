/**
 * Managed configuration: what an organisation's IT deploys machine-wide
 * (Windows policy registry, macOS configuration profile, Linux
 * /etc/keyholder/policy.json), merged with the holder's own settings and the
 * environment. Precedence, field by field: policy, then settings, then the
 * environment. A field set by policy is shown locked ("set by your
 * organisation") and a save that tries to change it is refused.
 */
import { z } from 'zod';
import { controlPlanePinSchema, customCloudSchema, fieldSchemas, liveSettingsSchema, problemsOf, workstationModeSchema, type ControlPlanePin, type FieldProblem, type LiveSettings, type WorkstationMode } from './live-settings';
import type { CloudChoice } from './clouds';
import { effectiveKeyStore, keyStorePolicySchema, type EffectiveKeyStore, type KeyStoreSettings } from './key-store';

export const policySchema = z
  .object({
    /** Forces the mode (an organisation that wants live only sets `live` and `allowRehearsal: false`). */
    mode: workstationModeSchema.optional(),
    /** false: the rehearsal cloud is not offered at all. */
    allowRehearsal: z.boolean().optional(),
    tenant: fieldSchemas.tenant.optional(),
    clientId: fieldSchemas.clientId.optional(),
    cloud: fieldSchemas.cloud.optional(),
    custom: customCloudSchema.optional(),
    expiryTracking: z.boolean().optional(),
    /** The vendor's control plane: its URL and the pinned fingerprint of its sealing key. */
    controlPlane: controlPlanePinSchema.optional(),
    /** The key store (Azure Key Vault or AWS KMS) and, for AWS, the Region, sign-in and KMS endpoint. */
    keyStore: keyStorePolicySchema.optional(),
  })
  .strict();

export type Policy = z.output<typeof policySchema>;

/** Where a policy came from, for messages ("set by your organisation in ..."). */
export interface PolicySource {
  policy: Policy;
  /** e.g. /etc/keyholder/policy.json, HKLM\Software\Policies\KeyHolder; null when none is deployed. */
  origin: string | null;
  /** A policy that exists but is invalid: the app refuses to run live on it (fail closed) and says what IT must fix. */
  problems: FieldProblem[];
}

export const NO_POLICY: PolicySource = { policy: {}, origin: null, problems: [] };

export function checkPolicy(raw: unknown, origin: string): PolicySource {
  const r = policySchema.safeParse(raw);
  if (r.success) return { policy: r.data, origin, problems: [] };
  return { policy: {}, origin, problems: problemsOf(r.error).map((p) => ({ ...p, message: `Your organisation’s policy (${origin}) is invalid: ${p.message} Ask your IT department to correct it.` })) };
}

export type SettingSource = 'policy' | 'settings' | 'environment';
export type LiveField = 'tenant' | 'clientId' | 'cloud' | 'custom' | 'expiryTracking';
const LIVE_FIELDS: readonly LiveField[] = ['tenant', 'clientId', 'cloud', 'custom', 'expiryTracking'];

/** What KEYHOLDER_LIVE_* in the environment say (the oldest way; the lowest precedence). */
function liveSettingsFromEnvironment(env: Record<string, string | undefined>): Partial<LiveSettings> {
  const out: Partial<LiveSettings> = {};
  const clientId = env.KEYHOLDER_LIVE_CLIENT_ID?.trim();
  const tenant = env.KEYHOLDER_LIVE_TENANT_ID?.trim();
  const cloud = env.KEYHOLDER_LIVE_CLOUD?.trim();
  if (clientId) out.clientId = clientId;
  if (tenant) out.tenant = tenant;
  if (cloud) out.cloud = cloud as CloudChoice;
  return out;
}

export interface EffectiveConfiguration {
  /** The mode this session runs in. */
  mode: WorkstationMode;
  /** False until the holder chose (first run), unless policy or the environment decided. */
  modeChosen: boolean;
  /** Whether the holder may switch to rehearsal (policy can forbid it). */
  rehearsalAllowed: boolean;
  /** Whether the holder may switch modes at all (policy `mode` fixes it). */
  modeLocked: boolean;
  /** The live settings as merged; complete only when `live` is set. */
  merged: Partial<LiveSettings>;
  /** The merged settings when they pass every rule; null otherwise (live mode then refuses sign-in with what to set). */
  live: LiveSettings | null;
  /** Why `live` is null: each field that is missing or wrong. */
  problems: FieldProblem[];
  sources: Partial<Record<LiveField, SettingSource>>;
  /** Fields IT has set: shown locked. */
  managed: LiveField[];
  controlPlane: ControlPlanePin | null;
  policyOrigin: string | null;
  policyProblems: FieldProblem[];
  /** The key-store provider and its AWS settings, merged the same way (policy, then settings, then the default). */
  keyStore: EffectiveKeyStore;
}

export interface SavedWorkstation {
  mode?: WorkstationMode;
  live?: LiveSettings;
  keyStore?: KeyStoreSettings;
}

export function effectiveConfiguration(o: { policy: PolicySource; saved: SavedWorkstation; env: Record<string, string | undefined> }): EffectiveConfiguration {
  const { policy } = o.policy;
  const fromEnv = liveSettingsFromEnvironment(o.env);
  const merged: Partial<Record<LiveField, unknown>> = {};
  const sources: Partial<Record<LiveField, SettingSource>> = {};
  const layers: [SettingSource, Partial<Record<LiveField, unknown>>][] = [
    ['environment', fromEnv],
    ['settings', o.saved.live ?? {}],
    ['policy', policy],
  ];
  for (const [source, layer] of layers) {
    for (const f of LIVE_FIELDS) {
      if (layer[f] !== undefined) {
        merged[f] = layer[f];
        sources[f] = source;
      }
    }
  }
  // A custom cloud's endpoints belong to the custom choice: a preset chosen above them drops them.
  if (merged.cloud !== 'custom') {
    delete merged.custom;
    delete sources.custom;
  }
  const managed = LIVE_FIELDS.filter((f) => sources[f] === 'policy');
  const checked = liveSettingsSchema.safeParse({ expiryTracking: false, ...merged });
  const policyBroken = o.policy.problems.length > 0;
  // A broken policy may have meant to forbid rehearsal: fail closed until IT corrects it.
  const rehearsalAllowed = policy.allowRehearsal !== false && !policyBroken;
  const envLive = fromEnv.clientId !== undefined;
  let mode: WorkstationMode;
  let modeChosen: boolean;
  if (policy.mode) {
    mode = policy.mode;
    modeChosen = true;
  } else if (o.saved.mode) {
    mode = o.saved.mode;
    modeChosen = true;
  } else if (envLive) {
    mode = 'live';
    modeChosen = true;
  } else {
    mode = 'rehearsal';
    modeChosen = false;
  }
  if (mode === 'rehearsal' && !rehearsalAllowed) {
    mode = 'live';
    modeChosen = o.saved.mode === 'live' || envLive;
  }
  return {
    mode,
    modeChosen,
    rehearsalAllowed,
    modeLocked: policy.mode !== undefined,
    merged: merged as Partial<LiveSettings>,
    live: checked.success && !policyBroken ? checked.data : null,
    problems: [...o.policy.problems, ...(checked.success ? [] : problemsOf(checked.error))],
    sources,
    managed,
    controlPlane: policy.controlPlane ?? null,
    policyOrigin: o.policy.origin,
    policyProblems: o.policy.problems,
    keyStore: effectiveKeyStore(policy.keyStore, o.saved.keyStore),
  };
}

/** A save must not change what IT set: the fields it tries to change, for the refusal's message. */
export function changesToManaged(cfg: EffectiveConfiguration, next: LiveSettings): LiveField[] {
  return cfg.managed.filter((f) => JSON.stringify(next[f] ?? null) !== JSON.stringify(cfg.merged[f] ?? null));
}
