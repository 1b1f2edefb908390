/** Every `keyholder` command, one module per domain. */
import type { CliCommand } from '../io';
import { expiryCommands } from './expiry';

export const commands: CliCommand[] = [...expiryCommands];
