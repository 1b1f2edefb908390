/**
 * The one place that turns a running rehearsal cloud's descriptor into the
 * service dependencies of a workstation: sign-in and vault endpoints for the
 * holder's own tenant, the HTTPS agent for the vendor's control plane (the
 * rehearsal CA and *.localhost lookup), and the environment the banner shows.
 * Main, the e2e bridge and the CLI all compose rehearsal mode through here,
 * so the three never drift apart. It receives the descriptor as data: services
 * never import the rehearsal cloud.
 */
import type https from 'node:https';
import type { Environment } from '../index';
import { rehearsalAzureEndpoints, type AzureEndpoints } from '../identity/index';
import { rehearsalAgent } from './agent';
import { rehearsalEnvironment, type CloudEnvironment, type RehearsalDescriptorLike } from './environment';

export interface RehearsalDescriptorWithControlPlane extends RehearsalDescriptorLike {
  controlPlaneUrl?: string;
  controlPlaneFingerprint?: string;
  controlPlaneId?: string;
  /** The AWS KMS double and its IAM Identity Center (structural, as the app reads it). */
  kms?: { endpoint: string; defaultRegion: string; identityCenter?: { startUrl: string; region: string; oidcEndpoint: string; portalEndpoint: string } };
}

/** What an AWS KMS key store rehearses against: the double's KMS and Identity Center, in place of the holder's settings. */
export interface AwsRehearsal {
  region: string;
  startUrl: string;
  ssoRegion: string;
  kmsEndpoint: string;
  oidcEndpoint: string;
  portalEndpoint: string;
  agent: https.Agent;
}

export interface RehearsalDeps {
  azure: AzureEndpoints;
  controlPlaneAgent: https.Agent;
  environment: Environment;
  cloud: CloudEnvironment;
  /** The rehearsal's AWS KMS and Identity Center (absent from a descriptor written before the double existed). */
  aws?: AwsRehearsal;
  /** Closes the agent's kept-alive sockets (the composition root calls it on quit). */
  close(): void;
}

/** `holder` picks the holder's own tenant and app registration (holder 1 unless said otherwise). */
export function rehearsalServiceDeps(d: RehearsalDescriptorWithControlPlane, caCertPem: string, o: { holder?: 1 | 2 } = {}): RehearsalDeps {
  const holder = o.holder ?? 1;
  const tenant = d.tenants[holder - 1] ?? d.tenants[0];
  if (!tenant) throw new Error('The rehearsal cloud has no tenants; delete its state file to reseed it.');
  const agent = rehearsalAgent(caCertPem);
  const cloud = rehearsalEnvironment(d, caCertPem);
  return {
    azure: rehearsalAzureEndpoints(d, agent, tenant.id),
    controlPlaneAgent: agent,
    ...(d.kms?.identityCenter
      ? {
          aws: {
            region: d.kms.defaultRegion,
            startUrl: d.kms.identityCenter.startUrl,
            ssoRegion: d.kms.identityCenter.region,
            kmsEndpoint: d.kms.endpoint,
            oidcEndpoint: d.kms.identityCenter.oidcEndpoint,
            portalEndpoint: d.kms.identityCenter.portalEndpoint,
            agent,
          },
        }
      : {}),
    environment: { mode: 'rehearsal', description: `Rehearsal cloud on this computer (port ${d.port}), key holder ${holder}’s workstation` },
    cloud,
    close: () => agent.destroy(),
  };
}
