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
import type { AwsKmsAccess } from '../vault/aws-kms/key-store-service';
import type { RehearsalVendorConfig } from '../rehearsal-vendor/index';
import { rehearsalEnvironment, type CloudEnvironment, type RehearsalDescriptorLike } from './environment';

export interface RehearsalDescriptorWithControlPlane extends RehearsalDescriptorLike {
  controlPlaneUrl?: string;
  controlPlaneFingerprint?: string;
  controlPlaneId?: string;
  /** The AWS KMS double: its endpoint, the access keys of the holders' accounts, its IAM Identity Center (rehearsal only). */
  kms?: {
    endpoint: string;
    defaultRegion?: string;
    principals: { label: string; accountId: string; arn: string; accessKeyId: string; secretAccessKey: string; sessionToken?: string }[];
    identityCenter?: { startUrl: string; region: string; oidcEndpoint: string; portalEndpoint: string };
  };
  /** The vendor's admin token (rehearsal only): lets the app play the vendor. */
  controlPlaneAdminToken?: string;
}

/** What an AWS KMS key store rehearses against: the double's KMS and Identity Center, in place of the holder's AWS settings. */
export interface AwsIdentityCenterRehearsal {
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
  /** The holder's account in the KMS double (absent with a descriptor from before the double). */
  aws?: AwsKmsAccess & { accountId: string };
  controlPlaneAgent: https.Agent;
  environment: Environment;
  cloud: CloudEnvironment;
  /** The rehearsal's AWS KMS and IAM Identity Center, where the holder signs in (absent from a descriptor written before them). */
  awsIdentityCenter?: AwsIdentityCenterRehearsal;
  /** The vendor's side of this rehearsal, for the app to play (absent when the descriptor has no control plane). */
  rehearsalVendor?: RehearsalVendorConfig;
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
  const kmsHolder = d.kms?.principals.find((p) => p.label === `key holder ${holder}`);
  const app = d.apps.find((a) => a.tenantId === tenant.id);
  const vault = d.vaults.find((v) => v.tenantId === tenant.id);
  const rehearsalVendor: RehearsalVendorConfig | undefined =
    d.controlPlaneUrl && d.controlPlaneFingerprint && d.controlPlaneAdminToken
      ? {
          controlPlaneUrl: d.controlPlaneUrl,
          controlPlaneFingerprint: d.controlPlaneFingerprint,
          adminToken: d.controlPlaneAdminToken,
          holder,
          tenantId: tenant.id,
          app: app ? { clientId: app.appId, ...(app.clientSecret ? { clientSecret: app.clientSecret } : {}) } : null,
          vaultHost: vault ? new URL(vault.url).host : null,
          agent,
        }
      : undefined;
  return {
    ...(rehearsalVendor ? { rehearsalVendor } : {}),
    azure: rehearsalAzureEndpoints(d, agent, tenant.id),
    ...(d.kms && kmsHolder
      ? {
          aws: {
            accountId: kmsHolder.accountId,
            endpoint: d.kms.endpoint,
            agent,
            credentials: { accessKeyId: kmsHolder.accessKeyId, secretAccessKey: kmsHolder.secretAccessKey, ...(kmsHolder.sessionToken ? { sessionToken: kmsHolder.sessionToken } : {}) },
          },
        }
      : {}),
    controlPlaneAgent: agent,
    ...(d.kms?.identityCenter
      ? {
          awsIdentityCenter: {
            region: d.kms.defaultRegion ?? d.kms.identityCenter.region,
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
