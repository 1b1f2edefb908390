/**
 * Which cloud this workstation talks to, decided once at start: live Azure
 * when a live tenant is configured, otherwise the embedded rehearsal cloud
 * (the default, so a newcomer never reaches a real tenant by accident).
 *
 * Live settings come from the environment until the settings screen exists:
 * KEYHOLDER_LIVE_CLIENT_ID (the organisation's public-client app), optional
 * KEYHOLDER_LIVE_TENANT_ID and KEYHOLDER_LIVE_CLOUD (public, china, usgov).
 * KEYHOLDER_REHEARSAL_HOLDER=2 rehearses as key holder 2 (their own tenant).
 */
import type { ServiceDeps } from '../services/index';
import { CLOUDS, type CloudName } from '../services/identity/clouds';
import { liveAzureEndpoints } from '../services/identity/index';
import { startEmbeddedRehearsal, type EmbeddedRehearsal } from './embedded-rehearsal';

export interface WorkstationCloud {
  deps: Pick<ServiceDeps, 'azure' | 'controlPlaneAgent' | 'environment'>;
  rehearsal: EmbeddedRehearsal | null;
  stop(): Promise<void>;
}

export function liveSettingsFromEnv(env: NodeJS.ProcessEnv): { clientId: string; cloud: CloudName; tenantId?: string } | null {
  const clientId = env.KEYHOLDER_LIVE_CLIENT_ID?.trim();
  if (!clientId) return null;
  const cloud = (env.KEYHOLDER_LIVE_CLOUD?.trim() || 'public') as CloudName;
  if (!(cloud in CLOUDS)) throw new Error(`KEYHOLDER_LIVE_CLOUD must be one of ${Object.keys(CLOUDS).join(', ')}, not "${cloud}".`);
  const tenantId = env.KEYHOLDER_LIVE_TENANT_ID?.trim();
  return { clientId, cloud, ...(tenantId ? { tenantId } : {}) };
}

export async function workstationCloud(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<WorkstationCloud> {
  const live = liveSettingsFromEnv(env);
  if (live) {
    const azure = liveAzureEndpoints(live);
    return { deps: { azure, environment: { mode: 'live', description: `${azure.cloudLabel}, tenant ${live.tenantId ?? '(chosen at sign-in)'}` } }, rehearsal: null, stop: async () => {} };
  }
  const holder = env.KEYHOLDER_REHEARSAL_HOLDER === '2' ? 2 : 1;
  const rehearsal = await startEmbeddedRehearsal({ dataDir, holder });
  const { azure, controlPlaneAgent, environment } = rehearsal.deps;
  return { deps: { azure, controlPlaneAgent, environment }, rehearsal, stop: () => rehearsal.stop() };
}
