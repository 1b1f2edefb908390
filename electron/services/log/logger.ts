import { redact } from './redact';

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function render(fields?: Record<string, unknown>): string {
  if (!fields) return '';
  const safe = Object.fromEntries(
    Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? `${v.name}: ${v.message}` : v]),
  );
  return ' ' + JSON.stringify(safe);
}

/** One logger per process, every line through the redactor. */
export function createLogger(write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  const emit = (level: string, message: string, fields?: Record<string, unknown>) =>
    write(redact(`${new Date().toISOString()} ${level} ${message}${render(fields)}`));
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
