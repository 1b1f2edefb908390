/**
 * Exposes exactly the IPC contract as `window.keyholder`, one function per
 * channel grouped by domain, plus a typed event subscription. Nothing else
 * from Electron or Node reaches the page. The channel and event names are
 * baked in by electron/build.mjs from shared/ipc/contract.ts, so this file
 * carries no schemas; main validates every request and response.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { EVENT_CHANNEL } from '../../shared/ipc/events-channel';

declare const __KEYHOLDER_CHANNELS__: string[];
declare const __KEYHOLDER_EVENTS__: string[];

const api: Record<string, unknown> = {};
for (const name of __KEYHOLDER_CHANNELS__) {
  const i = name.indexOf(':');
  const domain = name.slice(0, i);
  const verb = name.slice(i + 1);
  const group = (api[domain] ??= {}) as Record<string, unknown>;
  group[verb] = (request: unknown) => ipcRenderer.invoke(name, request ?? {});
}

const allowedEvents = new Set<string>(__KEYHOLDER_EVENTS__);
api.on = (event: string, listener: (payload: unknown) => void) => {
  if (!allowedEvents.has(event)) throw new Error(`Unknown event ${event}`);
  // The page never sees the IpcRendererEvent (it would expose `sender`).
  const wrapped = (_e: unknown, name: string, payload: unknown) => {
    if (name === event) listener(payload);
  };
  ipcRenderer.on(EVENT_CHANNEL, wrapped);
  return () => {
    ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
  };
};

contextBridge.exposeInMainWorld('keyholder', api);
