/**
 * Exposes exactly the IPC contract as `window.keyholder`, one function per
 * channel grouped by domain, plus a typed event subscription. Nothing else
 * from Electron or Node reaches the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { channelNames, eventNames, splitChannel, EVENT_CHANNEL } from '../../shared/ipc/contract';

const api: Record<string, unknown> = {};
for (const name of channelNames) {
  const { domain, verb } = splitChannel(name);
  const group = (api[domain] ??= {}) as Record<string, unknown>;
  group[verb] = (request: unknown) => ipcRenderer.invoke(name, request ?? {});
}

const allowedEvents = new Set<string>(eventNames);
api.on = (event: string, listener: (payload: unknown) => void) => {
  if (!allowedEvents.has(event)) throw new Error(`Unknown event ${event}`);
  const wrapped = (_e: unknown, name: string, payload: unknown) => {
    if (name === event) listener(payload);
  };
  ipcRenderer.on(EVENT_CHANNEL, wrapped);
  return () => ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
};

contextBridge.exposeInMainWorld('keyholder', api);
