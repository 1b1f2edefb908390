/**
 * Environment overrides that exist for tests and rehearsals only (security
 * review #17). A packaged app must not let whoever can set its environment
 * move the data folder (and with it escrow receipts, transcripts and the
 * rehearsal cloud's keys) or change which rehearsal holder it plays, so main
 * decides once, from `app.isPackaged`, which environment the rest of the app
 * sees. Pure: main passes the decision down; the test proves it.
 *
 * Settings a packaged app must keep honouring (the live tenant's environment settings; the
 * settings screen replaces them) are listed too, so a new `KEYHOLDER_*`
 * variable cannot appear without someone deciding which kind it is
 * (overrides.test.ts scans electron/main, services and composition).
 */

/** Read only in unpackaged builds (`npm start`, the `_electron` spec, development). */
export const DEV_ONLY_OVERRIDES = ['KEYHOLDER_DATA_DIR', 'KEYHOLDER_REHEARSAL_HOLDER', 'KEYHOLDER_POLICY_FILE'] as const;

/** Honoured in every build: how an organisation points a workstation at its live tenant. */
export const PRODUCTION_SETTINGS = ['KEYHOLDER_LIVE_CLIENT_ID', 'KEYHOLDER_LIVE_TENANT_ID', 'KEYHOLDER_LIVE_CLOUD'] as const;

export interface OverrideDecision {
  /** The environment the app reads from here on. */
  env: NodeJS.ProcessEnv;
  /** Names (never values) of overrides that were set but ignored because the app is packaged. */
  ignored: string[];
}

export function appEnvironment(env: NodeJS.ProcessEnv, isPackaged: boolean): OverrideDecision {
  if (!isPackaged) return { env: { ...env }, ignored: [] };
  const kept: NodeJS.ProcessEnv = { ...env };
  const ignored: string[] = [];
  for (const name of DEV_ONLY_OVERRIDES) {
    if (kept[name] !== undefined) ignored.push(name);
    delete kept[name];
  }
  return { env: kept, ignored };
}
