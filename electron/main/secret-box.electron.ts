import { safeStorage } from 'electron';
import type { SecretBox } from '../services/platform/secret-box';

/** safeStorage behind the SecretBox interface; fails closed on Linux's plain-text backend. */
export function electronSecretBox(): SecretBox {
  const available = () =>
    safeStorage.isEncryptionAvailable() &&
    (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text');
  return {
    isAvailable: available,
    unavailableReason: () =>
      'This computer offers no secure secret storage (OS keychain) to Key Holder, so it will not keep client secrets or sign-in tokens. Unlock or install a keychain (on Linux: GNOME Keyring or KWallet) and restart.',
    encrypt: (plain) => {
      if (!available()) throw new Error('secure storage unavailable');
      return safeStorage.encryptString(plain);
    },
    decrypt: (sealed) => {
      if (!available()) throw new Error('secure storage unavailable');
      return safeStorage.decryptString(Buffer.from(sealed));
    },
  };
}
