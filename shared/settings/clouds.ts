/**
 * The Azure clouds a live ceremony can run in, as plain data (the settings
 * screen shows them; the identity and vault services use them). Each cloud
 * has its own sign-in host, Key Vault and Managed HSM DNS suffixes, Graph and
 * Resource Manager; a token for one is refused by the others, so the holder's
 * cloud choice decides all of them. A *custom* cloud (Azure Stack Hub, a
 * private cloud) is entered field by field on the settings screen.
 */
export type PresetCloud = 'public' | 'china' | 'usgov';
export type CloudChoice = PresetCloud | 'custom';

export const CLOUD_CHOICES: readonly CloudChoice[] = ['public', 'china', 'usgov', 'custom'];

export interface CloudEndpointSettings {
  /** https://login.microsoftonline.com (origin only; authorities are `${authorityHost}/${tenant}`). */
  authorityHost: string;
  /** `.vault.azure.net`: a vault's host is `{name}{suffix}`. */
  keyVaultDnsSuffix: string;
  /** `.managedhsm.azure.net`. */
  managedHsmDnsSuffix: string;
  /** Token scope for Key Vault's data plane, e.g. https://vault.azure.net/.default. */
  keyVaultScope: string;
  /** https://graph.microsoft.com (origin; the app adds /v1.0). */
  graphEndpoint: string;
  graphScope: string;
  /** https://management.azure.com (origin). */
  resourceManagerEndpoint: string;
  resourceManagerScope: string;
}

export const CLOUD_PRESETS: Record<PresetCloud, CloudEndpointSettings> = {
  public: {
    authorityHost: 'https://login.microsoftonline.com',
    keyVaultDnsSuffix: '.vault.azure.net',
    managedHsmDnsSuffix: '.managedhsm.azure.net',
    keyVaultScope: 'https://vault.azure.net/.default',
    graphEndpoint: 'https://graph.microsoft.com',
    graphScope: 'https://graph.microsoft.com/.default',
    resourceManagerEndpoint: 'https://management.azure.com',
    resourceManagerScope: 'https://management.azure.com/.default',
  },
  china: {
    authorityHost: 'https://login.chinacloudapi.cn',
    keyVaultDnsSuffix: '.vault.azure.cn',
    managedHsmDnsSuffix: '.managedhsm.azure.cn',
    keyVaultScope: 'https://vault.azure.cn/.default',
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn',
    graphScope: 'https://microsoftgraph.chinacloudapi.cn/.default',
    resourceManagerEndpoint: 'https://management.chinacloudapi.cn',
    resourceManagerScope: 'https://management.chinacloudapi.cn/.default',
  },
  usgov: {
    authorityHost: 'https://login.microsoftonline.us',
    keyVaultDnsSuffix: '.vault.usgovcloudapi.net',
    managedHsmDnsSuffix: '.managedhsm.usgovcloudapi.net',
    keyVaultScope: 'https://vault.usgovcloudapi.net/.default',
    graphEndpoint: 'https://graph.microsoft.us',
    graphScope: 'https://graph.microsoft.us/.default',
    resourceManagerEndpoint: 'https://management.usgovcloudapi.net',
    resourceManagerScope: 'https://management.usgovcloudapi.net/.default',
  },
};

export const CLOUD_LABELS: Record<CloudChoice, string> = {
  public: 'Azure (public)',
  china: 'Azure China (21Vianet)',
  usgov: 'Azure US Government',
  custom: 'Custom cloud (Azure Stack Hub, private cloud)',
};
