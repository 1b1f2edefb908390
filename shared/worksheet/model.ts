/**
 * The Azure Information Worksheet: what each key holder records about their
 * own key store. Lines 1-4 carry the numbers the vendor's guide uses (line 1
 * vault DNS name, line 2 key version key identifier, line 3 application
 * (client) ID, line 4 client secret); the other fields support them.
 */
import { z } from 'zod';

export const HOLDERS = [1, 2] as const;
export type HolderNo = (typeof HOLDERS)[number];

export const FIELDS = ['vaultHost', 'keyIdentifier', 'clientId', 'clientSecret', 'tenantId', 'keyName', 'secretCreatedOn', 'secretExpiresOn'] as const;
export type FieldId = (typeof FIELDS)[number];

/** The worksheet's line numbers (fields without one are supporting details). */
export const LINE_OF: Partial<Record<FieldId, 1 | 2 | 3 | 4>> = { vaultHost: 1, keyIdentifier: 2, clientId: 3, clientSecret: 4 };

export const LABEL: Record<FieldId, string> = {
  vaultHost: 'Key vault DNS name',
  keyIdentifier: 'Key version key identifier',
  clientId: 'Application (client) ID',
  clientSecret: 'Client secret',
  tenantId: 'Directory (tenant) ID',
  keyName: 'Key name',
  secretCreatedOn: 'Client secret created on',
  secretExpiresOn: 'Client secret expires on',
};

export const HINT: Record<FieldId, string> = {
  vaultHost: 'e.g. azurevault1.vault.azure.net (no https://)',
  keyIdentifier: 'https://{line 1}/keys/{key name}/{32-character version}',
  clientId: 'GUID from the app registration’s Overview page',
  clientSecret: 'the secret’s Value (shown once in Azure), not its Secret ID',
  tenantId: 'GUID of your Microsoft Entra directory',
  keyName: 'the name in line 2, e.g. ajubalaw-2',
  secretCreatedOn: 'date the client secret was added',
  secretExpiresOn: 'Azure allows at most 2 years',
};

const text = z.string().max(2048);
const date = z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/)]);

/** One holder's non-secret fields, as the renderer sends and receives them. */
export const holderFieldsSchema = z.object({
  vaultHost: text,
  keyIdentifier: text,
  clientId: text,
  tenantId: text,
  keyName: text,
  secretCreatedOn: date,
  secretExpiresOn: date,
});
export type HolderFields = z.infer<typeof holderFieldsSchema>;

/** The full worksheet of one holder as the rules see it (the secret only where the Node side supplies it). */
export type HolderWorksheet = HolderFields & { clientSecret?: string | undefined };

export function emptyHolder(): HolderFields {
  return { vaultHost: '', keyIdentifier: '', clientId: '', tenantId: '', keyName: '', secretCreatedOn: '', secretExpiresOn: '' };
}

export type Severity = 'error' | 'warning' | 'info';

export const issueSchema = z.object({
  holder: z.union([z.literal(1), z.literal(2)]),
  field: z.enum(FIELDS),
  line: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).optional(),
  severity: z.enum(['error', 'warning', 'info']),
  code: z.string(),
  message: z.string(),
});
export type WorksheetIssue = z.infer<typeof issueSchema>;

export interface RuleContext {
  mode: 'rehearsal' | 'live';
  now: Date;
  /**
   * Live mode with a custom cloud (Azure Stack Hub, a private cloud): its Key
   * Vault and Managed HSM DNS suffixes (leading dot), accepted besides Azure's.
   */
  customVaultSuffixes?: string[];
}
