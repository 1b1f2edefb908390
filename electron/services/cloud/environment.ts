/**
 * Which cloud the app talks to, described as data: Azure's public cloud for a
 * live ceremony, or the rehearsal cloud on this computer. The composition
 * root (main, the CLI, the e2e bridge) picks one; services only read it.
 * Services never import the rehearsal cloud itself: they receive its
 * descriptor (the JSON line it prints) and its CA certificate.
 */
export interface CloudEnvironment {
  mode: 'rehearsal' | 'live';
  /** Shown in the banner and on the worksheet. */
  description: string;
  /** Entra ID host, e.g. https://login.microsoftonline.com; authorities are `${entraUrl}/${tenantId}`. */
  entraUrl: string;
  /** MSAL knownAuthorities (host:port); empty for Azure's public cloud (MSAL knows it). */
  knownAuthorities: string[];
  /** Vault URL suffixes the worksheet accepts in this environment (rehearsal hosts only in rehearsal mode). */
  vaultDnsSuffixes: string[];
  vaultScope: string;
  graphUrl: string;
  graphScope: string;
  /** PEM of the CA to trust for this environment only; absent means the system's trust store. */
  caCertPem?: string;
  /** Rehearsal only: tenants, users, apps and vaults seeded in the rehearsal cloud. */
  rehearsal?: RehearsalDescriptorLike;
}

/** The shape of the rehearsal cloud's descriptor line, as the app reads it (structural, no import across the wall). */
export interface RehearsalDescriptorLike {
  kind: 'keyholder-rehearsal-cloud';
  port: number;
  caCertPath: string;
  entraUrl: string;
  knownAuthorities: string[];
  vaultScope: string;
  vaultDnsSuffix: string;
  graphUrl: string;
  graphScope: string;
  adminUrl?: string;
  tenants: { id: string; displayName: string; domain: string; authority: string }[];
  users: { oid: string; tenantId: string; username: string; displayName: string }[];
  apps: { appId: string; objectId: string; tenantId: string; displayName: string; clientSecret?: string }[];
  vaults: { name: string; url: string; tenantId: string; softDelete: boolean; purgeProtection: boolean; retentionDays: number }[];
}

export function rehearsalEnvironment(d: RehearsalDescriptorLike, caCertPem: string): CloudEnvironment {
  if (d.kind !== 'keyholder-rehearsal-cloud') throw new Error('Not a rehearsal cloud descriptor.');
  return {
    mode: 'rehearsal',
    description: `Rehearsal cloud on this computer (port ${d.port}): nothing here touches Azure`,
    entraUrl: d.entraUrl,
    knownAuthorities: d.knownAuthorities,
    vaultDnsSuffixes: [d.vaultDnsSuffix],
    vaultScope: d.vaultScope,
    graphUrl: d.graphUrl,
    graphScope: d.graphScope,
    caCertPem,
    rehearsal: d,
  };
}
