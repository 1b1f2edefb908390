/** Test doubles shared by the Node-side tests of transcripts, participants and activation. */
import type { SecretBox } from '../platform/secret-box';
import { memorySecretBox } from '../platform/memory-secret-box';

/** A SecretBox that really encrypts (AES-256-GCM under a per-instance key), like the OS keychain would. */
export function testSecretBox(available = true): SecretBox {
  return memorySecretBox({ available, reason: 'no keychain in this test' });
}
