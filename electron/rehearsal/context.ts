/** What every route family of the rehearsal cloud shares: state, clock, signer, short-lived memory. */
import type { StateStore, CloudState } from './state';
import type { TokenSigner } from './jwt';

export const VAULT_RESOURCE = 'https://vault.rehearsal.localhost';
export const GRAPH_RESOURCE = 'https://graph.rehearsal.localhost';
export const VAULT_DNS_SUFFIX = '.vault.rehearsal.localhost';
/** Azure Resource Manager's stand-in (vault properties such as soft delete and purge protection live there, not in Key Vault). */
export const MANAGEMENT_RESOURCE = 'https://management.rehearsal.localhost';

export interface AuthCode {
  code: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  codeChallengeMethod: string;
  scopes: string[];
  oid: string;
  tenantId: string;
  nonce?: string;
  expiresAt: number;
}

export interface DeviceCode {
  deviceCode: string;
  userCode: string;
  clientId: string;
  tenantId: string;
  scopes: string[];
  expiresAt: number;
  oid?: string;
}

export interface CloudContext {
  store: StateStore;
  readonly state: CloudState;
  /** Cloud time: the base clock plus the persisted offset. */
  now(): Date;
  port(): number;
  /** https://localhost:PORT: where Entra, Graph and the admin API live. */
  baseUrl(): string;
  signer: TokenSigner;
  tokenLifetimeSeconds: number;
  deviceCodeIntervalSeconds: number;
  authCodes: Map<string, AuthCode>;
  deviceCodes: Map<string, DeviceCode>;
  /**
   * Key Vault's propagation delay after delete and recover (ms of real time,
   * not the cloud clock, which tests may freeze), and the keys still in
   * transit: "vault/name" -> when they become visible. Memory only: after a
   * restart every transition has completed, as it would have in Azure.
   */
  keyVaultPropagationMs: number;
  keyVaultInTransit: Map<string, { kind: 'deleting' | 'recovering'; visibleAt: number }>;
}

export function nowSeconds(ctx: CloudContext): number {
  return Math.floor(ctx.now().getTime() / 1000);
}

export function vaultHost(ctx: CloudContext, name: string): string {
  return `${name}${VAULT_DNS_SUFFIX}:${ctx.port()}`;
}

export function issuer(ctx: CloudContext, tenantId: string): string {
  return `${ctx.baseUrl()}/${tenantId}/v2.0`;
}
