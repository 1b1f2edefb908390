import { KeyholderError } from '../../shared/errors/index';

export interface ShownError {
  code: string;
  message: string;
}

/** A typed error as the holder reads it; anything else says nothing was lost. */
export function asError(e: unknown): ShownError {
  return e instanceof KeyholderError ? { code: e.code, message: e.message } : { code: 'internal', message: 'Something unexpected went wrong. Nothing you entered was lost; try again.' };
}
