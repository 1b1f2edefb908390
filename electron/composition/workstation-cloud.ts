/**
 * Which cloud this workstation talks to, decided once at start from the
 * organisation's policy, the holder's saved settings and the environment (in
 * that order of precedence; shared/settings/policy.ts): live Azure (a preset
 * or custom cloud) when live mode is chosen, otherwise the embedded rehearsal
 * cloud (the default, so a newcomer never reaches a real tenant by accident).
 * Each mode has its own data folder (data-folder.ts).
 *
 * KEYHOLDER_LIVE_CLIENT_ID, KEYHOLDER_LIVE_TENANT_ID and KEYHOLDER_LIVE_CLOUD
 * still work as the lowest layer. KEYHOLDER_REHEARSAL_HOLDER=2 rehearses as
 * key holder 2 (their own tenant).
 */
import type { ServiceDeps } from '../services/index';
import { CLOUDS, type CloudName } from '../services/identity/clouds';
import { liveEndpointsFromSettings } from '../services/identity/index';
import { openWorkstationSettings, type WorkstationSettings } from '../services/settings/workstation';
import type { PolicyReader } from '../services/settings/policy-reader';
import type { Clock } from '../services/platform/clock';
import { systemClock } from '../services/platform/clock';
import { silentLogger, type Logger } from '../services/log/logger';
import type { ConfFactory } from '../services/storage/settings-store';
import { CLOUD_LABELS } from '../../shared/settings/clouds';
import { startEmbeddedRehearsal, type EmbeddedRehearsal } from './embedded-rehearsal';
import { dataFolderFor } from './data-folder';

export interface WorkstationCloud {
  /** This session's data folder (per mode). */
  dataDir: string;
  deps: Pick<ServiceDeps, 'azure' | 'awsIdentityCenter' | 'controlPlaneAgent' | 'environment' | 'workstation' | 'rehearsalVendor'>;
  rehearsal: EmbeddedRehearsal | null;
  stop(): Promise<void>;
}

/** The old environment-only reading, kept for its error message on a wrong cloud name. */
export function liveSettingsFromEnv(env: NodeJS.ProcessEnv): { clientId: string; cloud: CloudName; tenantId?: string } | null {
  const clientId = env.KEYHOLDER_LIVE_CLIENT_ID?.trim();
  if (!clientId) return null;
  const cloud = (env.KEYHOLDER_LIVE_CLOUD?.trim() || 'public') as CloudName;
  if (!(cloud in CLOUDS)) throw new Error(`KEYHOLDER_LIVE_CLOUD must be one of ${Object.keys(CLOUDS).join(', ')}, not "${cloud}".`);
  const tenantId = env.KEYHOLDER_LIVE_TENANT_ID?.trim();
  return { clientId, cloud, ...(tenantId ? { tenantId } : {}) };
}

export interface WorkstationCloudOptions {
  /** The app's base folder (userData). */
  baseDir: string;
  env?: NodeJS.ProcessEnv;
  policy?: PolicyReader;
  clock?: Clock;
  log?: Logger;
  confFactory?: ConfFactory;
  /** A second rehearsal workstation sharing a cloud (the e2e bridge). */
  rehearsal?: Parameters<typeof startEmbeddedRehearsal>[0]['cloud'];
}

export async function workstationCloud(o: WorkstationCloudOptions): Promise<WorkstationCloud> {
  const env = o.env ?? process.env;
  if (env.KEYHOLDER_LIVE_CLIENT_ID) liveSettingsFromEnv(env);
  const policy = o.policy ? await o.policy.read() : undefined;
  const settingsOf = (running: 'rehearsal' | 'live'): WorkstationSettings =>
    openWorkstationSettings({ baseDir: o.baseDir, clock: o.clock ?? systemClock, log: o.log ?? silentLogger, env, running, ...(policy ? { policy } : {}), ...(o.confFactory ? { confFactory: o.confFactory } : {}) });
  const cfg = settingsOf('rehearsal').configuration();
  const dataDir = dataFolderFor(o.baseDir, cfg.mode);
  const workstation = settingsOf(cfg.mode);
  if (cfg.mode === 'live') {
    if (!cfg.live) {
      // Live, but not set up (or IT's policy is broken): sign-in is refused with what to set; the settings screen says the rest.
      return { dataDir, deps: { environment: { mode: 'live', description: 'Live mode, not set up yet: open Settings' }, workstation }, rehearsal: null, stop: async () => {} };
    }
    const azure = liveEndpointsFromSettings(cfg.live);
    const label = cfg.live.cloud === 'custom' ? azure.cloudLabel : CLOUD_LABELS[cfg.live.cloud];
    return { dataDir, deps: { azure, environment: { mode: 'live', description: `${label}, tenant ${cfg.live.tenant}` }, workstation }, rehearsal: null, stop: async () => {} };
  }
  const holder = env.KEYHOLDER_REHEARSAL_HOLDER === '2' ? 2 : 1;
  const rehearsal = await startEmbeddedRehearsal({ dataDir, holder, ...(o.rehearsal ? { cloud: o.rehearsal } : {}) });
  const { azure, awsIdentityCenter, controlPlaneAgent, environment, rehearsalVendor } = rehearsal.deps;
  return { dataDir, deps: { azure, ...(awsIdentityCenter ? { awsIdentityCenter } : {}), controlPlaneAgent, environment, workstation, ...(rehearsalVendor ? { rehearsalVendor } : {}) }, rehearsal, stop: () => rehearsal.stop() };
}
