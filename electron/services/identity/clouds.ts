/**
 * The Azure clouds a live ceremony can run in. Each sovereign cloud has its
 * own sign-in host, Key Vault DNS suffix and Graph host; a token for one is
 * refused by the others, so the holder's cloud choice decides all three.
 */
export type CloudName = 'public' | 'china' | 'usgov';

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

export const CLOUDS: Record<CloudName, CloudEndpoints> = {
  public: {
    authorityHost: 'https://login.microsoftonline.com',
    vaultSuffixes: ['.vault.azure.net', '.managedhsm.azure.net'],
    vaultScope: 'https://vault.azure.net/.default',
    graphScope: 'https://graph.microsoft.com/.default',
    graphUrl: 'https://graph.microsoft.com',
  },
  china: {
    authorityHost: 'https://login.chinacloudapi.cn',
    vaultSuffixes: ['.vault.azure.cn', '.managedhsm.azure.cn'],
    vaultScope: 'https://vault.azure.cn/.default',
    graphScope: 'https://microsoftgraph.chinacloudapi.cn/.default',
    graphUrl: 'https://microsoftgraph.chinacloudapi.cn',
  },
  usgov: {
    authorityHost: 'https://login.microsoftonline.us',
    vaultSuffixes: ['.vault.usgovcloudapi.net', '.managedhsm.usgovcloudapi.net'],
    vaultScope: 'https://vault.usgovcloudapi.net/.default',
    graphScope: 'https://graph.microsoft.us/.default',
    graphUrl: 'https://graph.microsoft.us',
  },
};

export const CLOUD_LABELS: Record<CloudName, string> = {
  public: 'Azure (public)',
  china: 'Azure China (21Vianet)',
  usgov: 'Azure US Government',
};
