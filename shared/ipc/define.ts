import { z } from 'zod';
import type { KeyholderErrorShape } from '../errors/index';

/** One request/response channel of the IPC contract. */
export interface ChannelSpec<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  request: Req;
  response: Res;
}

export function channel<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res): ChannelSpec<Req, Res> {
  return { request, response };
}

/** Results cross the process boundary as values: thrown errors lose their fields over contextBridge. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: KeyholderErrorShape };

export const ipcErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export const empty = z.object({}).strict();
