/**
 * The composition of the Node-side services. Main, the CLI and the e2e bridge
 * each build one of these with their own dependencies (data folder, secret
 * box, clock, cloud endpoints); nothing in here knows which of them it runs in.
 */
import type { Clock } from './platform/clock';
import type { SecretBox } from './platform/secret-box';
import type { Logger } from './log/logger';
import type { EventName, EventPayload } from '../../shared/ipc/contract';

export interface Environment {
  mode: 'rehearsal' | 'live';
  description: string;
}

export interface ServiceDeps {
  /** Folder for this workstation's settings and ceremony files. */
  dataDir: string;
  secretBox: SecretBox;
  clock: Clock;
  log: Logger;
  environment: Environment;
  appVersion: string;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
}

export interface Services {
  deps: ServiceDeps;
}

export function createServices(deps: ServiceDeps): Services {
  return { deps };
}
