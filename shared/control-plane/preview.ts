/**
 * What the holder sees before sending: every value exactly as it will be
 * sealed, except the client secret, which shows only its first three
 * characters (as the Azure portal's secret hint does) and its length.
 */
import { WORKSHEET_LINE, isAwsRecord, type AnyKeyStoreRecord, type AwsKeyStoreField, type KeyStoreField, type KeyStoreRecord } from './api';

export interface PreviewRow {
  field: KeyStoreField | AwsKeyStoreField | 'holder';
  label: string;
  worksheetLine: 1 | 2 | 3 | 4 | null;
  value: string;
  masked: boolean;
}

function maskSecret(secret: string): string {
  const hint = secret.length >= 12 ? secret.slice(0, 3) : '';
  return `${hint}${'•'.repeat(8)} (${secret.length} characters)`;
}

const LABELS: Record<KeyStoreField, string> = {
  vaultDnsName: 'Key vault DNS name',
  keyIdentifier: 'Key identifier (key version)',
  applicationId: 'Application (client) ID',
  clientSecret: 'Client secret',
  tenantId: 'Tenant',
  secretExpiresOn: 'Client secret expires',
};

const AWS_LABELS: Record<AwsKeyStoreField, string> = {
  keyArn: 'KMS key ARN',
  companionKeyArn: 'Companion HMAC key ARN (proof of sameness)',
  vendorRoleArn: 'Vendor role granted on the key',
  cacheMinutes: 'Cache time (minutes)',
};

export function previewRows(record: AnyKeyStoreRecord): PreviewRow[] {
  if (isAwsRecord(record)) {
    const fields: AwsKeyStoreField[] = ['keyArn', 'companionKeyArn', 'vendorRoleArn', 'cacheMinutes'];
    return [
      { field: 'holder', label: 'Key holder', worksheetLine: null, value: `Key holder ${record.holder}`, masked: false },
      ...fields.map((f) => ({ field: f, label: AWS_LABELS[f], worksheetLine: null, value: String(record[f]), masked: false })),
    ];
  }
  return azureRows(record);
}

function azureRows(record: KeyStoreRecord): PreviewRow[] {
  const fields: KeyStoreField[] = ['vaultDnsName', 'keyIdentifier', 'applicationId', 'clientSecret', 'tenantId', 'secretExpiresOn'];
  return [
    { field: 'holder', label: 'Key holder', worksheetLine: null, value: `Key holder ${record.holder}`, masked: false },
    ...fields.map((f) => ({
      field: f,
      label: LABELS[f],
      worksheetLine: WORKSHEET_LINE[f],
      value: f === 'clientSecret' ? maskSecret(record.clientSecret) : String(record[f]),
      masked: f === 'clientSecret',
    })),
  ];
}
