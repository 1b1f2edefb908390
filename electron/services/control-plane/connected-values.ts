/**
 * The one rule for which key-store values this workstation sends the vendor:
 * the connected holder's AWS KMS key store once that holder's AWS import is
 * done here, else the connected holder's Azure values from the worksheet.
 * The ceremony's submission and the lifecycle's re-submission both ask this,
 * so they cannot choose differently.
 */
import { KeyholderError } from '../../../shared/errors/index';
import type { HolderNo } from '../../../shared/worksheet/model';
import type { AwsKeyStoreValues, AzureKeyStoreValues, KeyStoreValues } from './service';

export interface ConnectedValuesDeps {
  /** Which holder the vendor enrolled this workstation as (undefined: not connected). */
  holder(): HolderNo | undefined;
  worksheet: { keyStoreValues(holder: HolderNo, typedSecret?: string): Promise<AzureKeyStoreValues> };
  awsKeyStore?: { record(): { state: string; draft: { holder: number } } | null; keyStoreValues(): AwsKeyStoreValues };
}

export async function connectedKeyStoreValues(d: ConnectedValuesDeps, typedSecret?: string): Promise<KeyStoreValues> {
  const holder = d.holder();
  if (!holder) throw new KeyholderError('control_plane.not_connected', 'Connect to the vendor’s control plane first.');
  const aws = d.awsKeyStore?.record();
  if (d.awsKeyStore && aws?.state === 'done' && aws.draft.holder === holder) return d.awsKeyStore.keyStoreValues();
  return d.worksheet.keyStoreValues(holder, typedSecret);
}
