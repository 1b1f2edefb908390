import { z } from 'zod';
import { channel, empty } from '../define';

const environmentSchema = z.object({
  mode: z.enum(['rehearsal', 'live']),
  /** Shown in the banner: which cloud the app talks to. */
  description: z.string(),
});

export const appChannels = {
  'app:info': channel(
    empty,
    z.object({
      name: z.string(),
      version: z.string(),
      environment: environmentSchema,
    }),
  ),
};

export const appEvents = {
  /** Main pushes this when something a screen shows changed underneath it. */
  'app:changed': z.object({ topic: z.string() }),
  /** Main asks the window to show a screen (a reminder notification or the tray menu was clicked; an escrow file was opened: item is its path). */
  'app:show': z.object({ screen: z.string().max(64), item: z.string().max(1024).nullable() }),
};
