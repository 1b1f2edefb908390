/** What a command gets to talk to the world; tests pass fakes. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Prompts without echo (passphrases); rejects when no terminal is attached. */
  promptHidden(question: string): Promise<string>;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** One option of a command: the same entry parses the command line and prints the help. */
export interface CliOption {
  type: 'string' | 'boolean';
  /** Repeatable (each use adds one value). */
  multiple?: boolean;
  /** Placeholder for the value in help, e.g. FOLDER. */
  value?: string;
  help: string;
}

/** What a command declares; the framework (command.ts) parses, explains and refuses from it. */
export interface CliCommandSpec {
  /** e.g. "escrow create" */
  name: string;
  summary: string;
  /** Operands after the options, as shown in the usage line (e.g. "FILE"); none accepted when absent. */
  operands?: string;
  /** Options besides --json and --help, which every command has. */
  options: Record<string, CliOption>;
  /** What --json prints (every command takes it). */
  json: string;
  example: string;
  /** Exit status to its meaning; 2 (usage) is added by the framework when absent. */
  exits: Record<number, string>;
}

export interface CliCommand {
  /** e.g. "escrow create" */
  name: string;
  summary: string;
  spec: CliCommandSpec;
  run(args: string[], io: CliIo): Promise<number>;
}
