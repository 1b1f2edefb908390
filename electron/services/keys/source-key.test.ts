import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintOfText, generateSourceKey, identityOf, publicKeyFromModulus } from './source-key';

describe('source key fingerprint', () => {
  it('is SHA-256 of the SPKI DER and the same from PEM, JWK and a Key Vault bundle', async () => {
    const k = await generateSourceKey(2048);
    expect(k.keyId).toMatch(/^[0-9a-f-]{36}$/);
    const spki = k.publicKey.export({ type: 'spki', format: 'der' });
    const expected = crypto.createHash('sha256').update(spki).digest('hex');
    expect(k.identity.fingerprint).toBe(expected);
    const pubPem = k.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const privPem = k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const jwk = k.publicKey.export({ format: 'jwk' });
    // Key Vault returns n with a leading zero byte for moduli whose top bit is set.
    const n = Buffer.concat([Buffer.from([0]), Buffer.from(jwk.n!, 'base64url')]).toString('base64url');
    const bundle = JSON.stringify({ key: { kid: 'https://v.vault.azure.net/keys/k/1', kty: 'RSA-HSM', n, e: jwk.e } });
    for (const text of [pubPem, privPem, JSON.stringify(jwk), bundle]) expect(fingerprintOfText(text).fingerprint).toBe(expected);
    expect(identityOf(publicKeyFromModulus(jwk.n!, jwk.e!)).checkValue).toBe(k.identity.checkValue);
  });

  it('differs for a different key and refuses what is not an RSA key', async () => {
    const a = await generateSourceKey(2048);
    const b = await generateSourceKey(2048);
    expect(a.identity.fingerprint).not.toBe(b.identity.fingerprint);
    expect(() => fingerprintOfText('{"kty":"EC","crv":"P-256"}')).toThrow(expect.objectContaining({ code: 'keys.unreadable' }));
    expect(() => fingerprintOfText('hello')).toThrow(expect.objectContaining({ code: 'keys.unreadable' }));
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(() => fingerprintOfText(ec)).toThrow(expect.objectContaining({ code: 'keys.not_rsa' }));
    expect(() => fingerprintOfText('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----')).toThrow(expect.objectContaining({ code: 'keys.encrypted' }));
  });

  it('refuses sizes Azure Key Vault does not take', async () => {
    await expect(generateSourceKey(1024 as never)).rejects.toMatchObject({ code: 'keys.bad_size' });
  });
});
