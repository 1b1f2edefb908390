/**
 * The identity service as the composition root builds it. Without Azure
 * settings (live mode not configured yet) every sign-in is refused with what
 * to set, instead of reaching a default tenant by accident.
 */
import type https from 'node:https';
import { KeyholderError } from '../../../shared/errors/index';
import { IdentityService, type IdentityDeps } from './identity-service';
import { CLOUDS, CLOUD_LABELS, type CloudName } from './clouds';
import type { IdentityConfig, OpenBrowser } from './types';
import type { ManagementEndpoint } from '../vault/arm';
import { CLOUD_LABELS as SETTINGS_CLOUD_LABELS } from '../../../shared/settings/clouds';
import { endpointsOf, type LiveSettings } from '../../../shared/settings/live-settings';

export { IdentityService } from './identity-service';
export type { IdentityConfig, OpenBrowser } from './types';

/** Where a holder signs in and which vault host names belong to that cloud. */
export interface AzureEndpoints {
  /** For the banner and the sign-in screen: "Azure (public)", "Rehearsal cloud"... */
  cloudLabel: string;
  identity: IdentityConfig;
  vaultSuffixes: string[];
  /** Microsoft Graph's v1.0 base URL for this cloud (secret expiry and rotation). */
  graphUrl?: string;
  /** Rehearsal only: the agent trusting its CA and resolving *.localhost. */
  agent?: https.Agent;
  /** Rehearsal and tests: smaller Key Exchange Keys and quicker retries. */
  kekSize?: 2048 | 3072 | 4096;
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  /** Azure Resource Manager of this cloud (vault properties, the holder's permissions); derived from the mode when absent. */
  management?: ManagementEndpoint;
}

/** Live mode: the organisation's public-client app in one of Azure's clouds. */
export function liveAzureEndpoints(s: { clientId: string; cloud: CloudName; tenantId?: string }): AzureEndpoints {
  const c = CLOUDS[s.cloud];
  return {
    cloudLabel: CLOUD_LABELS[s.cloud],
    identity: { clientId: s.clientId, authorityHost: c.authorityHost, vaultScope: c.vaultScope, graphScope: c.graphScope, ...(s.tenantId ? { defaultTenantId: s.tenantId } : {}) },
    vaultSuffixes: c.vaultSuffixes,
    graphUrl: `${c.graphUrl}/v1.0`,
  };
}

/**
 * Live mode from the holder's (or IT's) settings: a preset cloud or a custom
 * one (Azure Stack Hub, a private cloud). A custom authority host is not one
 * MSAL knows, so it is trusted as a known authority instead of asking
 * Microsoft's instance discovery (which cannot know a private cloud).
 */
export function liveEndpointsFromSettings(s: LiveSettings): AzureEndpoints {
  const c = endpointsOf(s);
  const custom = s.cloud === 'custom';
  return {
    cloudLabel: custom ? `Custom cloud (${new URL(c.authorityHost).host})` : SETTINGS_CLOUD_LABELS[s.cloud],
    identity: {
      clientId: s.clientId,
      authorityHost: c.authorityHost,
      ...(custom ? { knownAuthorities: [new URL(c.authorityHost).host] } : {}),
      vaultScope: c.keyVaultScope,
      graphScope: c.graphScope,
      defaultTenantId: s.tenant,
    },
    vaultSuffixes: [c.keyVaultDnsSuffix, c.managedHsmDnsSuffix],
    graphUrl: `${c.graphEndpoint}/v1.0`,
    management: { endpoint: c.resourceManagerEndpoint, scope: c.resourceManagerScope },
  };
}

/**
 * Rehearsal mode, from the rehearsal cloud's descriptor (kept structural so
 * services never import the rehearsal cloud) and the rehearsal agent.
 */
export function rehearsalAzureEndpoints(
  d: { entraUrl: string; knownAuthorities: string[]; vaultScope: string; graphScope: string; graphUrl?: string; vaultDnsSuffix: string; apps: { appId: string; tenantId: string }[] },
  agent: https.Agent,
  tenantId?: string,
): AzureEndpoints {
  const app = (tenantId ? d.apps.find((a) => a.tenantId === tenantId) : undefined) ?? d.apps[0];
  if (!app) throw new Error('the rehearsal cloud has no app registration');
  return {
    cloudLabel: 'Rehearsal cloud',
    identity: { clientId: app.appId, authorityHost: d.entraUrl, knownAuthorities: d.knownAuthorities, vaultScope: d.vaultScope, graphScope: d.graphScope, defaultTenantId: app.tenantId, agent },
    vaultSuffixes: [d.vaultDnsSuffix],
    graphUrl: d.graphUrl ?? `${d.entraUrl}/v1.0`,
    agent,
    kekSize: 2048,
  };
}

export function notConfigured(): KeyholderError {
  return new KeyholderError(
    'identity.not_configured',
    'Sign-in is not set up on this computer. Enter your tenant, your organisation’s application (client) ID and the Azure cloud in the live-mode settings (see docs/live-mode.md), or use the rehearsal cloud.',
  );
}

export function createIdentityService(deps: Omit<IdentityDeps, 'config' | 'openBrowser'> & { azure?: AzureEndpoints; openBrowser?: OpenBrowser }): IdentityService | null {
  if (!deps.azure) return null;
  return new IdentityService({ ...deps, config: deps.azure.identity, ...(deps.openBrowser ? { openBrowser: deps.openBrowser } : {}) });
}
