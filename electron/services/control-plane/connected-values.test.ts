import { describe, expect, it } from 'vitest';
import { connectedKeyStoreValues, type ConnectedValuesDeps } from './connected-values';
import type { AwsKeyStoreValues, AzureKeyStoreValues } from './service';

const azure = (holder: number): AzureKeyStoreValues => ({ vaultDnsName: `holder${holder}.vault.azure.net` }) as unknown as AzureKeyStoreValues;
const awsValues: AwsKeyStoreValues = { provider: 'aws-kms', keyArn: 'arn:aws:kms:eu-west-2:111122223333:key/k', companionKeyArn: 'arn:aws:kms:eu-west-2:111122223333:key/c', vendorRoleArn: 'arn:aws:iam::444455556666:role/v', cacheMinutes: 5 };

function deps(holder: 1 | 2 | undefined, aws: { state: string; holder: number } | null): ConnectedValuesDeps {
  return {
    holder: () => holder,
    worksheet: { keyStoreValues: async (h) => azure(h) },
    awsKeyStore: { record: () => (aws ? { state: aws.state, draft: { holder: aws.holder } } : null), keyStoreValues: () => awsValues },
  };
}

describe('which key-store values this workstation sends (one rule for the ceremony and the lifecycle)', () => {
  it('not connected: refused with what to do first', async () => {
    await expect(connectedKeyStoreValues(deps(undefined, null))).rejects.toMatchObject({ code: 'control_plane.not_connected' });
  });

  it('the connected holder’s worksheet values when no AWS import is done here', async () => {
    expect(await connectedKeyStoreValues(deps(2, null))).toEqual(azure(2));
    expect(await connectedKeyStoreValues(deps(2, { state: 'pending', holder: 2 }))).toEqual(azure(2));
  });

  it('the AWS key store once the connected holder’s AWS import is done', async () => {
    expect(await connectedKeyStoreValues(deps(1, { state: 'done', holder: 1 }))).toEqual(awsValues);
  });

  it('never another holder’s AWS key store (the lifecycle used to send it whoever was connected)', async () => {
    expect(await connectedKeyStoreValues(deps(2, { state: 'done', holder: 1 }))).toEqual(azure(2));
  });
});
