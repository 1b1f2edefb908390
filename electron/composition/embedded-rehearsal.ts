/**
 * Rehearsal as the app's default: start the rehearsal cloud (with the
 * reference control plane inside) in a folder of the workstation's own, and
 * hand back what createServices needs to talk to it. Used by Electron main
 * (no live tenant configured), the e2e bridge and `keyholder rehearse`. Lives
 * outside services because it starts the rehearsal cloud itself.
 */
import path from 'node:path';
import { startRehearsalCloud, type RehearsalCloud } from '../rehearsal/index';
import { rehearsalServiceDeps, type RehearsalDeps } from '../services/cloud/rehearsal-deps';

export interface EmbeddedRehearsal {
  cloud: RehearsalCloud;
  deps: RehearsalDeps;
  /** Stops the cloud only if this workstation started it. */
  stop(): Promise<void>;
}

export interface EmbeddedRehearsalOptions {
  /** The workstation's data folder; the cloud lives in `<dataDir>/rehearsal-cloud` (keys, certificates, control plane). */
  dataDir: string;
  holder?: 1 | 2;
  /** A cloud someone else runs (a second workstation of the same rehearsal): used, never stopped here. */
  cloud?: RehearsalCloud;
  controlPlaneStatusIntervalMs?: number;
}

export async function startEmbeddedRehearsal(o: EmbeddedRehearsalOptions): Promise<EmbeddedRehearsal> {
  const own = !o.cloud;
  const cloud =
    o.cloud ??
    (await startRehearsalCloud({
      dataDir: path.join(o.dataDir, 'rehearsal-cloud'),
      // The admin API lets the rehearsal play the vendor and the "other side" (disable a key, move the clock); loopback only.
      adminEnabled: true,
      ...(o.controlPlaneStatusIntervalMs ? { controlPlaneStatusIntervalMs: o.controlPlaneStatusIntervalMs } : {}),
    }));
  const deps = rehearsalServiceDeps(cloud.describe(), cloud.caCertPem, o.holder ? { holder: o.holder } : {});
  return {
    cloud,
    deps,
    stop: async () => {
      deps.close();
      if (own) await cloud.stop();
    },
  };
}
