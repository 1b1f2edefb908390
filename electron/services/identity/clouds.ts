/**
 * The Azure clouds a live ceremony can run in, as the identity service uses
 * them. The endpoints themselves are data in shared/settings/clouds.ts (the
 * settings screen shows the same presets); this is their identity-side view.
 */
import { CLOUD_LABELS as ALL_LABELS, CLOUD_PRESETS, type PresetCloud } from '../../../shared/settings/clouds';

export type CloudName = PresetCloud;

export interface CloudEndpoints {
  /** https://login.microsoftonline.com (no trailing slash). */
  authorityHost: string;
  /** DNS suffixes a vault (or Managed HSM) in this cloud ends with. */
  vaultSuffixes: string[];
  /** Scope for Key Vault data-plane tokens. */
  vaultScope: string;
  /** Scope for Microsoft Graph tokens (secret expiry, app registrations). */
  graphScope: string;
  graphUrl: string;
}

function view(name: PresetCloud): CloudEndpoints {
  const c = CLOUD_PRESETS[name];
  return { authorityHost: c.authorityHost, vaultSuffixes: [c.keyVaultDnsSuffix, c.managedHsmDnsSuffix], vaultScope: c.keyVaultScope, graphScope: c.graphScope, graphUrl: c.graphEndpoint };
}

export const CLOUDS: Record<CloudName, CloudEndpoints> = { public: view('public'), china: view('china'), usgov: view('usgov') };

export const CLOUD_LABELS: Record<CloudName, string> = { public: ALL_LABELS.public, china: ALL_LABELS.china, usgov: ALL_LABELS.usgov };
