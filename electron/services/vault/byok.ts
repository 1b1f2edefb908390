/**
 * Azure's BYOK transfer blob ("Bring your own key specification"): the target
 * key's PKCS#8 DER is wrapped with a fresh AES-256 key (AES key wrap with
 * padding, RFC 5649, CKM_RSA_AES_KEY_WRAP), and that AES key is wrapped to the
 * vault's Key Exchange Key with RSA-OAEP (SHA-1, as the specification fixes).
 * The HSM unwraps both inside its boundary; the target key never travels or
 * rests in the clear. All primitives are Node's own.
 */
import crypto from 'node:crypto';

interface TransferBlob {
  schema_version: '1.0.0';
  header: { kid: string; alg: 'dir'; enc: 'CKM_RSA_AES_KEY_WRAP' };
  /** base64url( RSA-OAEP-SHA1(KEK, aesKey) || AES-KWP(aesKey, PKCS#8 DER) ) */
  ciphertext: string;
  generator: string;
}

const BYOK_GENERATOR = 'Key Holder BYOK; node crypto RSA-OAEP-SHA1 + AES-256 KWP';

export function buildTransferBlob(target: crypto.KeyObject, kek: { kid: string; publicKey: crypto.KeyObject }): TransferBlob {
  if (target.type !== 'private' || target.asymmetricKeyType !== 'rsa') throw new Error('BYOK transfer needs an RSA private key');
  const aesKey = crypto.randomBytes(32);
  const pkcs8 = target.export({ type: 'pkcs8', format: 'der' });
  try {
    const wrappedAes = crypto.publicEncrypt({ key: kek.publicKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, aesKey);
    // RFC 5649's alternative initial value: 'id-aes256-wrap-pad' requires this exact IV.
    const cipher = crypto.createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('A65959A6', 'hex'));
    const wrappedKey = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
    return {
      schema_version: '1.0.0',
      header: { kid: kek.kid, alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP' },
      ciphertext: Buffer.concat([wrappedAes, wrappedKey]).toString('base64url'),
      generator: BYOK_GENERATOR,
    };
  } finally {
    aesKey.fill(0);
    pkcs8.fill(0);
  }
}

/** The bytes that go into the import request's `key_hsm` (the SDK's JsonWebKey `t`). */
export function transferBlobBytes(blob: TransferBlob): Uint8Array {
  return new Uint8Array(Buffer.from(JSON.stringify(blob), 'utf8'));
}
