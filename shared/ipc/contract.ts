/**
 * The one IPC contract between renderer and Node side. Each domain declares
 * its channels (`domain:verb`) with zod request/response schemas in
 * `channels/<domain>.ts`; this file only merges them. Main, preload, the test
 * bridge and the renderer's typed API are all derived from this object.
 */
import type { z } from 'zod';
import type { IpcResult } from './define';
import { appChannels, appEvents } from './channels/app';
import { escrowChannels } from './channels/escrow';
import { expiryChannels } from './channels/expiry';
import { worksheetChannels } from './channels/worksheet';
import { controlPlaneChannels, controlPlaneEvents } from './channels/control-plane';
import { identityChannels } from './channels/identity';
import { vaultChannels } from './channels/vault';
import { credentialRotationChannels } from './channels/credential-rotation';
import { activationChannels } from './channels/activation';
import { ceremonyChannels } from './channels/ceremony';
import { lifecycleChannels } from './channels/lifecycle';
import { settingsChannels } from './channels/settings';
import { rehearsalVendorChannels } from './channels/rehearsal-vendor';
import { awsChannels } from './channels/aws';

export const contract = {
  ...controlPlaneChannels,
  ...appChannels,
  ...escrowChannels,
  ...expiryChannels,
  ...worksheetChannels,
  ...identityChannels,
  ...vaultChannels,
  ...credentialRotationChannels,
  ...activationChannels,
  ...ceremonyChannels,
  ...lifecycleChannels,
  ...settingsChannels,
  ...rehearsalVendorChannels,
  ...awsChannels,
} as const;

export const events = {
  ...controlPlaneEvents,
  ...appEvents,
} as const;

export type Contract = typeof contract;
export type Channel = keyof Contract & string;
export type RequestOf<C extends Channel> = z.input<Contract[C]['request']>;
export type ResponseOf<C extends Channel> = z.output<Contract[C]['response']>;
export type EventName = keyof typeof events & string;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

type DomainOf<C extends string> = C extends `${infer D}:${string}` ? D : never;
type VerbOf<C extends string, D extends string> = C extends `${D}:${infer V}` ? V : never;

type CallOf<C> = C extends Channel ? (request: RequestOf<C>) => Promise<IpcResult<ResponseOf<C>>> : never;

/** What preload exposes as `window.keyholder`: exactly the contract, grouped by domain. */
export type KeyholderApi = {
  [D in DomainOf<Channel>]: {
    [V in VerbOf<Channel, D>]: CallOf<`${D}:${V}`>;
  };
} & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

export const channelNames = Object.keys(contract) as Channel[];
export const eventNames = Object.keys(events) as EventName[];

export function splitChannel(name: string): { domain: string; verb: string } {
  const i = name.indexOf(':');
  return { domain: name.slice(0, i), verb: name.slice(i + 1) };
}

export { EVENT_CHANNEL } from './events-channel';
