/**
 * Errors a key holder can act on. `code` is stable and machine-readable
 * (`domain.reason`, e.g. `escrow.wrong_passphrase`); `message` is written for
 * the person at the keyboard and says what to do next. Raw SDK errors (which
 * can carry tokens and URLs) are never passed on as they are.
 */
export interface KeyholderErrorShape {
  code: string;
  message: string;
  /** Small, non-secret facts that help a UI point at the cause (a line number, a holder). */
  detail?: Record<string, string | number | boolean>;
}

export class KeyholderError extends Error implements KeyholderErrorShape {
  readonly code: string;
  readonly detail?: Record<string, string | number | boolean>;

  constructor(code: string, message: string, detail?: Record<string, string | number | boolean>) {
    super(message);
    this.name = 'KeyholderError';
    this.code = code;
    if (detail) this.detail = detail;
  }

  toShape(): KeyholderErrorShape {
    return this.detail ? { code: this.code, message: this.message, detail: this.detail } : { code: this.code, message: this.message };
  }
}

export function isKeyholderError(e: unknown): e is KeyholderError {
  return e instanceof KeyholderError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'KeyholderError' && typeof (e as { code?: unknown }).code === 'string');
}
