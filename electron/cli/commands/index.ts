/** Every `keyholder` command, one module per domain. */
import type { CliCommand } from '../io';
import { expiryCommands } from './expiry';
import { escrowCommands } from './escrow';
import { keyCommands } from './key';
import { rehearsalCommands } from './rehearsal';
import { rehearseCommands } from './rehearse';
import { transcriptCommands } from './transcript';
import { storeCommands } from './store';

export const commands: CliCommand[] = [...expiryCommands, ...escrowCommands, ...keyCommands, ...rehearsalCommands, ...rehearseCommands, ...transcriptCommands, ...storeCommands()];
