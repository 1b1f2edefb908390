/**
 * The rules of live mode's settings, pure so the settings screen checks each
 * field as it is typed and the Node side checks the same rules before saving
 * (and on every read of a saved file or an IT policy). Every problem names the
 * field, says what to enter, and points at the step of docs/live-mode.md that
 * explains where to find the value.
 */
import { z } from 'zod';
import { CLOUD_CHOICES, CLOUD_PRESETS, type CloudChoice, type CloudEndpointSettings } from './clouds';

export type SettingsField =
  | 'tenant'
  | 'clientId'
  | 'cloud'
  | 'authorityHost'
  | 'keyVaultDnsSuffix'
  | 'managedHsmDnsSuffix'
  | 'keyVaultScope'
  | 'graphEndpoint'
  | 'graphScope'
  | 'resourceManagerEndpoint'
  | 'resourceManagerScope'
  | 'vaultUrl'
  | 'controlPlaneUrl'
  | 'controlPlaneFingerprint';

const LIVE_MODE_DOC = 'docs/live-mode.md';

/** Where the holder finds what to enter: a heading of docs/live-mode.md. */
export interface SettingsHelp {
  /** docs/live-mode.md#step-1-the-tenant */
  href: string;
  label: string;
}

const step = (anchor: string, label: string): SettingsHelp => ({ href: `${LIVE_MODE_DOC}#${anchor}`, label });
const TENANT_STEP = step('step-1-the-tenant', 'Step 1: the tenant');
const APP_STEP = step('step-2-the-application-client-id', 'Step 2: the application (client) ID');
const CLOUD_STEP = step('step-3-the-cloud', 'Step 3: the cloud');
const CUSTOM_STEP = step('step-3b-a-custom-cloud', 'Step 3b: a custom cloud');
const VAULT_STEP = step('step-4-your-vault-and-your-role-on-it', 'Step 4: your vault and your role on it');
const POLICY_STEP = step('managed-configuration-for-it', 'Managed configuration (for IT)');

export const FIELD_HELP: Record<SettingsField, SettingsHelp> = {
  tenant: TENANT_STEP,
  clientId: APP_STEP,
  cloud: CLOUD_STEP,
  authorityHost: CUSTOM_STEP,
  keyVaultDnsSuffix: CUSTOM_STEP,
  managedHsmDnsSuffix: CUSTOM_STEP,
  keyVaultScope: CUSTOM_STEP,
  graphEndpoint: CUSTOM_STEP,
  graphScope: CUSTOM_STEP,
  resourceManagerEndpoint: CUSTOM_STEP,
  resourceManagerScope: CUSTOM_STEP,
  vaultUrl: VAULT_STEP,
  controlPlaneUrl: POLICY_STEP,
  controlPlaneFingerprint: POLICY_STEP,
};

export const FIELD_LABELS: Record<SettingsField, string> = {
  tenant: 'Tenant',
  clientId: 'Application (client) ID',
  cloud: 'Cloud',
  authorityHost: 'Sign-in (authority) host',
  keyVaultDnsSuffix: 'Key Vault DNS suffix',
  managedHsmDnsSuffix: 'Managed HSM DNS suffix',
  keyVaultScope: 'Key Vault token scope',
  graphEndpoint: 'Microsoft Graph endpoint',
  graphScope: 'Microsoft Graph token scope',
  resourceManagerEndpoint: 'Resource Manager endpoint',
  resourceManagerScope: 'Resource Manager token scope',
  vaultUrl: 'Your vault',
  controlPlaneUrl: 'Vendor control plane URL',
  controlPlaneFingerprint: 'Control plane key fingerprint',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN = new RegExp(`^(?:${LABEL}\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`, 'i');
const SUFFIX = new RegExp(`^(?:\\.${LABEL}){2,}$`);
const FINGERPRINT = /^sha256:[0-9a-f]{64}$/;

function httpsOrigin(v: string): boolean {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && !u.username && !u.password && (u.pathname === '/' || u.pathname === '') && !u.search && !u.hash && !v.endsWith('/');
}

function httpsScope(v: string): boolean {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && !u.username && !u.search && !u.hash && u.pathname.endsWith('/.default');
}

function httpsBase(v: string): boolean {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && !u.username && !u.password && !u.search && !u.hash;
}

const text = (max = 300) => z.string({ error: 'is missing' }).trim().max(max, { error: `is too long (at most ${max} characters)` });

export const fieldSchemas = {
  tenant: text(253).refine((v) => GUID.test(v) || DOMAIN.test(v), {
    error: 'Tenant: enter your directory (tenant) ID, a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, or a verified domain of your tenant such as contoso.com.',
  }),
  clientId: text(36).refine((v) => GUID.test(v), {
    error: 'Application (client) ID: enter the GUID shown on your Key Holder app registration’s Overview page, such as 11111111-2222-3333-4444-555555555555.',
  }),
  cloud: z.enum(CLOUD_CHOICES as [CloudChoice, ...CloudChoice[]], { error: 'Cloud: choose Azure (public), Azure China, Azure US Government or Custom.' }),
  authorityHost: text(200).refine(httpsOrigin, {
    error: 'Sign-in (authority) host: enter the https address of your cloud’s Entra ID (or AD FS) without a path, such as https://login.microsoftonline.com.',
  }),
  keyVaultDnsSuffix: text(200).refine((v) => SUFFIX.test(v), {
    error: 'Key Vault DNS suffix: enter what every vault’s host name ends with, starting with a dot, in lower case, such as .vault.azure.net or .vault.local.azurestack.external.',
  }),
  managedHsmDnsSuffix: text(200).refine((v) => SUFFIX.test(v), {
    error: 'Managed HSM DNS suffix: enter what every Managed HSM’s host name ends with, starting with a dot, in lower case, such as .managedhsm.azure.net.',
  }),
  keyVaultScope: text(300).refine(httpsScope, { error: 'Key Vault token scope: enter an https address ending in /.default, such as https://vault.azure.net/.default.' }),
  graphEndpoint: text(200).refine(httpsOrigin, { error: 'Microsoft Graph endpoint: enter the https address of Graph without a path, such as https://graph.microsoft.com.' }),
  graphScope: text(300).refine(httpsScope, { error: 'Microsoft Graph token scope: enter an https address ending in /.default, such as https://graph.microsoft.com/.default.' }),
  resourceManagerEndpoint: text(200).refine(httpsOrigin, {
    error: 'Resource Manager endpoint: enter the https address of Azure Resource Manager without a path, such as https://management.azure.com.',
  }),
  resourceManagerScope: text(300).refine(httpsScope, {
    error: 'Resource Manager token scope: enter an https address ending in /.default, such as https://management.azure.com/.default.',
  }),
  vaultUrl: text(300).refine(httpsBase, { error: 'Your vault: enter your key vault’s URL, such as https://contoso-keyholder.vault.azure.net.' }),
  controlPlaneUrl: text(2048).refine(httpsBase, { error: 'Vendor control plane URL: enter the https address the vendor gave you.' }),
  controlPlaneFingerprint: text(80).refine((v) => FINGERPRINT.test(v), {
    error: 'Control plane key fingerprint: enter sha256: followed by 64 lower-case hexadecimal characters, as the vendor sent it.',
  }),
} satisfies Record<SettingsField, z.ZodType>;

export const customCloudSchema = z
  .object({
    authorityHost: fieldSchemas.authorityHost,
    keyVaultDnsSuffix: fieldSchemas.keyVaultDnsSuffix,
    managedHsmDnsSuffix: fieldSchemas.managedHsmDnsSuffix,
    keyVaultScope: fieldSchemas.keyVaultScope,
    graphEndpoint: fieldSchemas.graphEndpoint,
    graphScope: fieldSchemas.graphScope,
    resourceManagerEndpoint: fieldSchemas.resourceManagerEndpoint,
    resourceManagerScope: fieldSchemas.resourceManagerScope,
  })
  .strict();

/** What a workstation needs to sign in to the organisation's own tenant. */
export const liveSettingsSchema = z
  .object({
    tenant: fieldSchemas.tenant,
    clientId: fieldSchemas.clientId,
    cloud: fieldSchemas.cloud,
    /** Only for `cloud: 'custom'` (and required there). */
    custom: customCloudSchema.optional(),
    /** Secret-expiry tracking reads the app registration through Microsoft Graph: the connection test then checks Graph too. */
    expiryTracking: z.boolean().default(false),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.cloud === 'custom' && !s.custom) ctx.addIssue({ code: 'custom', path: ['custom'], message: 'A custom cloud needs its endpoints: fill in every field of the custom cloud.' });
  });

export type LiveSettings = z.output<typeof liveSettingsSchema>;

export const controlPlanePinSchema = z.object({ url: fieldSchemas.controlPlaneUrl, fingerprint: fieldSchemas.controlPlaneFingerprint }).strict();
export type ControlPlanePin = z.output<typeof controlPlanePinSchema>;

export interface FieldProblem {
  field: SettingsField | 'custom' | 'form';
  message: string;
  help: SettingsHelp;
}

function fieldOf(pathParts: readonly PropertyKey[]): FieldProblem['field'] {
  const last = [...pathParts].reverse().find((p): p is string => typeof p === 'string');
  if (last && last in FIELD_HELP) return last as SettingsField;
  if (last === 'custom') return 'custom';
  return 'form';
}

/** zod's issues as the settings screen shows them: one per field, in the field's own words. */
export function problemsOf(error: z.ZodError): FieldProblem[] {
  const seen = new Set<string>();
  const out: FieldProblem[] = [];
  for (const issue of error.issues) {
    const field = fieldOf(issue.path);
    if (seen.has(field)) continue;
    seen.add(field);
    const label = field in FIELD_LABELS ? FIELD_LABELS[field as SettingsField] : null;
    // A missing field's own message ("is missing") needs the field's name in front of it.
    const message = label && !issue.message.startsWith(label) ? `${label}: ${issue.message === 'is missing' ? 'fill this in' : issue.message}.`.replace(/\.\.$/, '.') : issue.message;
    out.push({ field, message, help: field in FIELD_HELP ? FIELD_HELP[field as SettingsField] : CUSTOM_STEP });
  }
  return out;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

export function checkLiveSettings(input: unknown): Checked<LiveSettings> {
  const r = liveSettingsSchema.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, problems: problemsOf(r.error) };
}

/** One field as it is typed: null when fine, else what to enter. */
export function checkField(field: SettingsField, value: unknown): FieldProblem | null {
  const r = fieldSchemas[field].safeParse(value);
  if (r.success) return null;
  return problemsOf(new z.ZodError(r.error.issues.map((i) => ({ ...i, path: [field] }))))[0] ?? null;
}

/** The endpoints a settings object stands for: the preset's, or the custom cloud's as entered. */
export function endpointsOf(s: Pick<LiveSettings, 'cloud' | 'custom'>): CloudEndpointSettings {
  if (s.cloud === 'custom') {
    if (!s.custom) throw new Error('custom cloud without endpoints');
    return s.custom;
  }
  return CLOUD_PRESETS[s.cloud];
}

/** The mode a workstation runs in, and whether the holder has chosen at all (first run). */
export const workstationModeSchema = z.enum(['rehearsal', 'live']);
export type WorkstationMode = z.output<typeof workstationModeSchema>;
