/**
 * Which key store this workstation's holder keeps the key in (Azure Key
 * Vault or AWS KMS) and, for AWS, how Key Holder reaches it: the key's
 * Region, the sign-in (IAM Identity Center start URL and its Region, or a
 * named profile from the AWS shared config), and an optional KMS endpoint
 * override (as AWS_ENDPOINT_URL_KMS does for the AWS CLI). Pure, so the
 * settings screen checks each field as it is typed and the Node side checks
 * the same rules before saving and on every read of a saved file or policy.
 */
import { z } from 'zod';

export const KEY_STORE_PROVIDERS = ['azure-key-vault', 'aws-kms'] as const;
export type KeyStoreProvider = (typeof KEY_STORE_PROVIDERS)[number];
export const PROVIDER_LABELS: Record<KeyStoreProvider, string> = { 'azure-key-vault': 'Azure Key Vault', 'aws-kms': 'AWS KMS' };

export type AwsSettingsField = 'provider' | 'region' | 'signIn' | 'startUrl' | 'ssoRegion' | 'profile' | 'kmsEndpoint';

const AWS_FIELD_LABELS: Record<AwsSettingsField, string> = {
  provider: 'Key store',
  region: 'AWS Region of your key',
  signIn: 'AWS sign-in',
  startUrl: 'AWS access portal URL (start URL)',
  ssoRegion: 'IAM Identity Center Region',
  profile: 'AWS profile',
  kmsEndpoint: 'KMS endpoint override',
};

/** docs/live-mode.md's heading for the AWS settings. */
export const AWS_SETTINGS_HELP = { href: 'docs/live-mode.md#aws-kms-key-stores', label: 'AWS KMS key stores' } as const;

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const PROFILE = /^[A-Za-z0-9_.+@-]{1,64}$/;

const region = (label: string) =>
  z
    .string({ error: 'is missing' })
    .trim()
    .refine((v) => REGION.test(v), { error: `${label}: enter an AWS Region code such as eu-west-2 (see the AWS console's Region menu).` })
    .refine((v) => !v.startsWith('cn-'), { error: `${label}: the vendor does not support AWS China Regions (cn-north-1, cn-northwest-1). Choose another Region.` });

function httpsUrl(v: string, pathAllowed: boolean): boolean {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && !u.username && !u.password && !u.search && !u.hash && (pathAllowed || u.pathname === '/' || u.pathname === '');
}

const awsFieldSchemas = {
  provider: z.enum(KEY_STORE_PROVIDERS, { error: 'Key store: choose Azure Key Vault or AWS KMS.' }),
  region: region(AWS_FIELD_LABELS.region),
  ssoRegion: region(AWS_FIELD_LABELS.ssoRegion),
  startUrl: z
    .string({ error: 'is missing' })
    .trim()
    .max(512)
    .refine((v) => httpsUrl(v, true), {
      error: 'AWS access portal URL (start URL): enter the https address your AWS administrator gave you, such as https://d-1234567890.awsapps.com/start (IAM Identity Center > Settings > AWS access portal URL).',
    }),
  profile: z
    .string({ error: 'is missing' })
    .trim()
    .refine((v) => PROFILE.test(v), { error: 'AWS profile: enter the name of a profile in your AWS config file (letters, digits and _ . + @ -), such as holder1; create one with "aws configure sso".' }),
  kmsEndpoint: z
    .string()
    .trim()
    .max(300)
    .refine((v) => httpsUrl(v, false) && !v.endsWith('/'), {
      error: 'KMS endpoint override: enter a plain https address without a path, such as https://kms-fips.eu-west-2.amazonaws.com, or leave it empty for AWS’s own endpoint. Key material travels through it.',
    }),
} satisfies Partial<Record<AwsSettingsField, z.ZodType>>;

const awsSignInSchema = z.discriminatedUnion(
  'method',
  [
    z.object({ method: z.literal('identity-center'), startUrl: awsFieldSchemas.startUrl, ssoRegion: awsFieldSchemas.ssoRegion }).strict(),
    z.object({ method: z.literal('profile'), profile: awsFieldSchemas.profile }).strict(),
  ],
  { error: 'AWS sign-in: choose IAM Identity Center or a named profile.' },
);

export const awsSettingsSchema = z
  .object({
    region: awsFieldSchemas.region,
    signIn: awsSignInSchema,
    /** Empty or absent: AWS's own endpoint for the Region. */
    kmsEndpoint: awsFieldSchemas.kmsEndpoint.optional(),
  })
  .strict();
export type AwsSettings = z.output<typeof awsSettingsSchema>;

export const keyStoreSettingsSchema = z
  .object({
    provider: awsFieldSchemas.provider,
    aws: awsSettingsSchema.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.provider === 'aws-kms' && !s.aws) ctx.addIssue({ code: 'custom', path: ['aws'], message: 'AWS KMS needs its settings: the key’s Region and how you sign in to AWS.' });
  });
export type KeyStoreSettings = z.output<typeof keyStoreSettingsSchema>;

/** The policy's part: every field optional, each one pinning what it names. */
export const keyStorePolicySchema = z
  .object({
    provider: awsFieldSchemas.provider.optional(),
    aws: z
      .object({
        region: awsFieldSchemas.region.optional(),
        signIn: awsSignInSchema.optional(),
        kmsEndpoint: awsFieldSchemas.kmsEndpoint.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type KeyStorePolicy = z.output<typeof keyStorePolicySchema>;

const DEFAULT_KEY_STORE: KeyStoreSettings = { provider: 'azure-key-vault' };

export interface KeyStoreProblem {
  field: AwsSettingsField | 'aws' | 'form';
  message: string;
}

export function keyStoreProblems(error: z.ZodError): KeyStoreProblem[] {
  const seen = new Set<string>();
  const out: KeyStoreProblem[] = [];
  for (const issue of error.issues) {
    const last = [...issue.path].reverse().find((p): p is string => typeof p === 'string' && p !== 'aws' && p !== 'signIn') ?? (issue.path.includes('signIn') ? 'signIn' : issue.path.includes('aws') ? 'aws' : 'form');
    const field = (last === 'method' ? 'signIn' : last) as KeyStoreProblem['field'];
    if (seen.has(field)) continue;
    seen.add(field);
    const label = field in AWS_FIELD_LABELS ? AWS_FIELD_LABELS[field as AwsSettingsField] : null;
    const message = label && !issue.message.startsWith(label) ? `${label}: ${issue.message === 'is missing' ? 'fill this in' : issue.message}.`.replace(/\.\.$/, '.') : issue.message;
    out.push({ field, message });
  }
  return out;
}

export type KeyStoreSource = 'policy' | 'settings' | 'default';

export interface EffectiveKeyStore {
  /** As merged, before the rules: what the settings screen fills its fields with. */
  merged: { provider: KeyStoreProvider; aws?: Partial<AwsSettings> };
  /** The merged settings when they pass every rule; the default (Azure) when nothing is set. */
  value: KeyStoreSettings | null;
  problems: KeyStoreProblem[];
  /** Which fields IT pinned (shown locked; a save that changes them is refused). */
  managed: ('provider' | 'region' | 'signIn' | 'kmsEndpoint')[];
  /** Where the provider choice came from. */
  providerSource: KeyStoreSource;
}

/**
 * Policy, then the holder's settings, then the default (Azure Key Vault),
 * field by field, as for the live settings (shared/settings/policy.ts).
 */
export function effectiveKeyStore(policy: KeyStorePolicy | undefined, saved: KeyStoreSettings | undefined): EffectiveKeyStore {
  const p = policy ?? {};
  const provider = p.provider ?? saved?.provider ?? DEFAULT_KEY_STORE.provider;
  const managed: EffectiveKeyStore['managed'] = [];
  if (p.provider) managed.push('provider');
  let aws: Partial<AwsSettings> | undefined = saved?.aws ? { ...saved.aws } : undefined;
  for (const f of ['region', 'signIn', 'kmsEndpoint'] as const) {
    const v = p.aws?.[f];
    if (v !== undefined) {
      aws = { ...(aws ?? {}), [f]: v };
      managed.push(f);
    }
  }
  const merged = { provider, ...(aws ? { aws } : {}) };
  const checked = keyStoreSettingsSchema.safeParse(merged);
  return {
    merged,
    value: checked.success ? checked.data : null,
    problems: checked.success ? [] : keyStoreProblems(checked.error),
    managed,
    providerSource: p.provider ? 'policy' : saved?.provider ? 'settings' : 'default',
  };
}

/** The fields a save would change although IT pinned them (for the refusal's message). */
export function keyStoreChangesToManaged(eff: EffectiveKeyStore, next: KeyStoreSettings): EffectiveKeyStore['managed'] {
  const cur = eff.value;
  return eff.managed.filter((f) => {
    const a = f === 'provider' ? cur?.provider : cur?.aws?.[f];
    const b = f === 'provider' ? next.provider : next.aws?.[f];
    return JSON.stringify(a ?? null) !== JSON.stringify(b ?? null);
  });
}
