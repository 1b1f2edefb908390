import type https from 'node:https';

/** What the identity service needs to know about the cloud it signs in to. */
export interface IdentityConfig {
  /** The organisation's public-client application (client) ID. */
  clientId: string;
  /** https://login.microsoftonline.com, or the rehearsal Entra's https://localhost:PORT. */
  authorityHost: string;
  /**
   * host[:port] values MSAL must trust without asking Microsoft's instance
   * discovery: needed for the rehearsal cloud, which is offline by design.
   */
  knownAuthorities?: string[];
  vaultScope: string;
  graphScope: string;
  /** The tenant proposed when the holder has not chosen one. */
  defaultTenantId?: string;
  /** Rehearsal only: an agent trusting the rehearsal CA (and resolving *.localhost). */
  agent?: https.Agent;
}

export interface SignedInAccount {
  tenantId: string;
  homeAccountId: string;
  username: string;
  name?: string;
}

export interface DeviceCodePrompt {
  userCode: string;
  verificationUri: string;
  /** ISO time after which the code no longer works (for the countdown). */
  expiresAt: string;
  message: string;
}

/** Opens a URL in the holder's browser: shell.openExternal in the app, a Playwright page in tests. */
export type OpenBrowser = (url: string) => Promise<void>;
