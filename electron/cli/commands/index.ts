/** Every `keyholder` command, one module per domain. */
import type { CliCommand } from '../io';

export const commands: CliCommand[] = [];
