/** Worksheet values the specs save through the bridge: holder 1 filled in as a holder would, holder 2 left empty. */
export const HOLDER1 = {
  vaultHost: 'holder1-keys.vault.azure.net',
  keyIdentifier: '',
  clientId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  keyName: 'contoso-cmek',
  secretCreatedOn: '',
  secretExpiresOn: '',
};
export const EMPTY = { vaultHost: '', keyIdentifier: '', clientId: '', tenantId: '', keyName: '', secretCreatedOn: '', secretExpiresOn: '' };
