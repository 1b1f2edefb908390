/**
 * The composition of the Node-side services. Main, the CLI and the e2e bridge
 * each build one of these with their own dependencies (data folder, secret
 * box, clock, cloud endpoints); nothing in here knows which of them it runs in.
 */
import type { Clock } from './platform/clock';
import type { SecretBox } from './platform/secret-box';
import type { Logger } from './log/logger';
import type { EventName, EventPayload } from '../../shared/ipc/contract';
import { createExpiryServiceInDataDir, type ExpiryService } from './expiry/expiry-service';
import { openSettingsStore, type ConfFactory, type SettingsStore } from './storage/settings-store';
import { createWorksheetService, type WorksheetService } from './worksheet/service';

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
  /** Builds the settings file's backend: electron-store in main, plain conf elsewhere (the default). */
  confFactory?: ConfFactory;
  /** Renders a self-contained HTML document to PDF (printToPDF in main, headless Chromium in the bridge). */
  pdf?: { fromHtml(html: string): Promise<Uint8Array> };
  /** Asks the holder where to save an export; null when they cancel. Without it exports go to <dataDir>/exports. */
  chooseSavePath?(suggestedName: string, kind: 'pdf' | 'json'): Promise<string | null>;
}

export interface Services {
  deps: ServiceDeps;
  expiry: ExpiryService;
  settings: SettingsStore;
  worksheet: WorksheetService;
}

export function createServices(deps: ServiceDeps): Services {
  const settings = openSettingsStore({ dir: deps.dataDir, clock: deps.clock, log: deps.log, ...(deps.confFactory ? { conf: deps.confFactory } : {}) });
  return {
    deps,
    expiry: createExpiryServiceInDataDir({ dataDir: deps.dataDir, clock: deps.clock, log: deps.log, changed: () => deps.emit('app:changed', { topic: 'expiry' }) }),
    settings,
    worksheet: createWorksheetService(deps, settings),
  };
}
