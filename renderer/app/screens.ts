/**
 * The app's screens in ceremony order. Each feature lives in
 * renderer/features/<name>/ and adds one entry here.
 */
import type { ComponentType } from 'react';
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
}

export const screens: Screen[] = [
  { id: 'home', title: 'Overview', component: HomeScreen },
  { id: 'ceremony', title: 'Ceremony', component: CeremonyScreen },
  { id: 'worksheet', title: 'Azure Information Worksheet', component: WorksheetScreen },
  { id: 'aws-worksheet', title: 'AWS worksheet', component: AwsWorksheetScreen },
  { id: 'escrow', title: 'Source key and escrow', component: EscrowScreen },
  { id: 'registration', title: 'Vault registration', component: RegistrationScreen },
  { id: 'activation', title: 'Supervised activation', component: ActivationScreen },
  { id: 'import', title: 'Import into your vault', component: ImportScreen },
  { id: 'aws-import', title: 'Import into AWS KMS', component: AwsImportScreen },
  { id: 'submission', title: 'Submission to the vendor', component: SubmissionScreen },
  { id: 'status', title: 'Primary key status', component: StatusScreen },
  { id: 'expiry', title: 'Expiry dates', component: ExpiryScreen },
  { id: 'credential-rotation', title: 'Credential rotation', component: CredentialRotationScreen },
  { id: 'lifecycle', title: 'Key store lifecycle', component: LifecycleScreen },
  { id: 'settings', title: 'Settings', component: SettingsScreen },
  { id: 'escrow-file', title: 'Escrow file', component: EscrowFileScreen, hidden: true },
];
