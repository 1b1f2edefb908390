/** What a command gets to talk to the world; tests pass fakes. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Prompts without echo (passphrases); rejects when no terminal is attached. */
  promptHidden(question: string): Promise<string>;
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface CliCommand {
  /** e.g. "escrow create" */
  name: string;
  summary: string;
  run(args: string[], io: CliIo): Promise<number>;
}
