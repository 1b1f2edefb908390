/**
 * Encryption of secrets at rest (client secrets, token caches, enrolment
 * tokens). In the app this is Electron's safeStorage (the OS keychain); tests
 * and the browser bridge use an encrypting fake. When the OS offers no secure
 * backend, `isAvailable()` is false and callers must refuse to store: there
 * is never a plain-text fallback.
 */
export interface SecretBox {
  isAvailable(): boolean;
  /** Why it is unavailable, in words a key holder can act on (only when unavailable). */
  unavailableReason?(): string;
  encrypt(plain: string): Uint8Array;
  decrypt(sealed: Uint8Array): string;
}
