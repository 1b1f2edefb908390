/**
 * The app's screens in ceremony order. Each feature lives in
 * renderer/features/<name>/ and adds one entry here.
 */
import type { ComponentType } from 'react';
import type { KeyStoreChoice } from './store';
import { HomeScreen } from '../features/home/HomeScreen';
import { ExpiryScreen } from '../features/expiry/ExpiryScreen';
import { EscrowScreen } from '../features/escrow/EscrowScreen';
import { WorksheetScreen } from '../features/worksheet/WorksheetScreen';
import { ImportScreen } from '../features/vault/ImportScreen';
import { RegistrationScreen } from '../features/control-plane/RegistrationScreen';
import { SubmissionScreen } from '../features/control-plane/SubmissionScreen';
import { StatusScreen } from '../features/status/StatusScreen';
import { CredentialRotationScreen } from '../features/credential-rotation/CredentialRotationScreen';
import { ActivationScreen } from '../features/activation/ActivationScreen';
import { CeremonyScreen } from '../features/ceremony/CeremonyScreen';
import { LifecycleScreen } from '../features/lifecycle/LifecycleScreen';
import { SettingsScreen } from '../features/settings/SettingsScreen';
import { EscrowFileScreen } from '../features/escrow/EscrowFileScreen';
import { AwsWorksheetScreen } from '../features/aws/AwsWorksheetScreen';
import { AwsImportScreen } from '../features/aws/AwsImportScreen';

export interface Screen {
  id: string;
  title: string;
  component: ComponentType;
  /** Reached only when main asks for it (a double-clicked escrow file), not from the step list. */
  hidden?: boolean;
  /** Listed only while the settings choose this key store (its worksheet and import); absent: for either. */
  keyStore?: KeyStoreChoice;
  /** The title while the settings choose AWS KMS, where the Azure words would mislead ("vault"). */
  awsTitle?: string;
}

export const screens: Screen[] = [
  { id: 'home', title: 'Overview', component: HomeScreen },
  { id: 'ceremony', title: 'Ceremony', component: CeremonyScreen },
  { id: 'worksheet', title: 'Azure Information Worksheet', component: WorksheetScreen, keyStore: 'azure-key-vault' },
  { id: 'aws-worksheet', title: 'AWS worksheet', component: AwsWorksheetScreen, keyStore: 'aws-kms' },
  { id: 'escrow', title: 'Source key and escrow', component: EscrowScreen },
  { id: 'registration', title: 'Vault registration', awsTitle: 'Key store registration', component: RegistrationScreen },
  { id: 'activation', title: 'Supervised activation', component: ActivationScreen },
  { id: 'import', title: 'Import into your vault', component: ImportScreen, keyStore: 'azure-key-vault' },
  { id: 'aws-import', title: 'Import into AWS KMS', component: AwsImportScreen, keyStore: 'aws-kms' },
  { id: 'submission', title: 'Submission to the vendor', component: SubmissionScreen },
  { id: 'status', title: 'Primary key status', component: StatusScreen },
  { id: 'expiry', title: 'Expiry dates', component: ExpiryScreen },
  // The client secret is Azure's (worksheet line 4); an AWS key store has none to rotate.
  { id: 'credential-rotation', title: 'Credential rotation', component: CredentialRotationScreen, keyStore: 'azure-key-vault' },
  { id: 'lifecycle', title: 'Key store lifecycle', component: LifecycleScreen },
  { id: 'settings', title: 'Settings', component: SettingsScreen },
  { id: 'escrow-file', title: 'Escrow file', component: EscrowFileScreen, hidden: true },
];

/** The screens the menu lists for the key store the settings choose, in ceremony order. */
export const menuScreens = (keyStore: KeyStoreChoice): Screen[] => screens.filter((s) => !s.hidden && (!s.keyStore || s.keyStore === keyStore));

/** A screen's title in the words of the chosen key store. */
export function screenTitle(id: string, keyStore: KeyStoreChoice): string {
  const s = screens.find((x) => x.id === id);
  if (!s) return id;
  return keyStore === 'aws-kms' && s.awsTitle ? s.awsTitle : s.title;
}
