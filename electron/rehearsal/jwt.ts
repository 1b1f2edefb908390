/** RS256 JSON Web Tokens as Entra issues them (header kid, base64url parts). */
import crypto from 'node:crypto';

export type Claims = Record<string, unknown>;

export class TokenSigner {
  private readonly key: crypto.KeyObject;
  readonly publicJwk: crypto.JsonWebKey & { kid: string; use: string; alg: string };

  constructor(
    readonly kid: string,
    privateKeyPem: string,
  ) {
    this.key = crypto.createPrivateKey(privateKeyPem);
    const pub = crypto.createPublicKey(this.key).export({ format: 'jwk' });
    this.publicJwk = { kty: 'RSA', n: pub.n, e: pub.e, kid, use: 'sig', alg: 'RS256' };
  }

  sign(claims: Claims): string {
    const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: this.kid })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const sig = crypto.sign('sha256', Buffer.from(`${header}.${payload}`), this.key).toString('base64url');
    return `${header}.${payload}.${sig}`;
  }

  /** The payload if the signature is ours and the header says RS256 with our kid; null otherwise. */
  verify(token: string): Claims | null {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    try {
      const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Claims;
      if (header.alg !== 'RS256' || header.kid !== this.kid) return null;
      const ok = crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), this.key, Buffer.from(parts[2]!, 'base64url'));
      if (!ok) return null;
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Claims;
      return claims && typeof claims === 'object' ? claims : null;
    } catch {
      return null;
    }
  }
}
