import type https from 'node:https';
import { ControlPlaneService } from './service';
import { httpsTransport, type Transport } from './http';
import type { ServiceDeps } from '../index';

export { ControlPlaneService } from './service';
export { type Transport } from './http';

/** The control-plane client for the composition root; `agent` carries the rehearsal CA (and *.localhost lookup) in rehearsal mode. */
export function createControlPlaneService(deps: ServiceDeps, o: { agent?: https.Agent; transport?: Transport } = {}): ControlPlaneService {
  return new ControlPlaneService({
    dataDir: deps.dataDir,
    secretBox: deps.secretBox,
    clock: deps.clock,
    log: deps.log,
    mode: deps.environment.mode,
    transport: o.transport ?? httpsTransport(o.agent),
    changed: (topic) => deps.emit('control-plane:changed', { topic }),
  });
}
