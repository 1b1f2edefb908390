/**
 * The app's screens in ceremony order. Each feature lives in
 * renderer/features/<name>/ and adds one entry here.
 */
import type { ComponentType } from 'react';
import { HomeScreen } from '../features/home/HomeScreen';
import { ExpiryScreen } from '../features/expiry/ExpiryScreen';
import { EscrowScreen } from '../features/escrow/EscrowScreen';

export interface Screen {
  id: string;
  title: string;
  component: ComponentType;
}

export const screens: Screen[] = [
  { id: 'home', title: 'Overview', component: HomeScreen },
  { id: 'escrow', title: 'Source key and escrow', component: EscrowScreen },
  { id: 'expiry', title: 'Expiry and rotation', component: ExpiryScreen },
];
