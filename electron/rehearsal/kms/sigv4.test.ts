/**
 * The SigV4 verifier against AWS's published examples (signing-key
 * derivation, the "get-vanilla" request of the SigV4 test suite), then
 * adversarial inputs: each refusal in AWS's words.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignatureError, signingKey, stringToSign, verifySigV4, type SignedRequest } from './sigv4';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

describe('SigV4 against AWS published examples', () => {
  it('derives the documented signing key (20120215, us-east-1, iam)', () => {
    expect(signingKey(SECRET, '20120215', 'us-east-1', 'iam').toString('hex')).toBe('f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
  });

  it('accepts the get-vanilla request of the SigV4 test suite', () => {
    const req: SignedRequest = {
      method: 'GET',
      url: '/',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      body: Buffer.alloc(0),
    };
    const caller = verifySigV4(req, 'service', new Date('2015-08-30T12:36:00Z'), (id) => (id === 'AKIDEXAMPLE' ? { accessKeyId: id, secretAccessKey: SECRET } : undefined));
    expect(caller).toEqual({ accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'service' });
  });
});

function signed(overrides: { body?: string; date?: Date; secret?: string; service?: string; headers?: Record<string, string> } = {}): SignedRequest {
  const date = overrides.date ?? new Date('2026-12-06T12:00:00Z');
  const amz = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const body = Buffer.from(overrides.body ?? '{}');
  const headers: Record<string, string> = { host: 'kms.rehearsal.localhost:4443', 'x-amz-date': amz, 'x-amz-target': 'TrentService.ListKeys', ...overrides.headers };
  const names = Object.keys(headers).sort();
  const scope = `${amz.slice(0, 8)}/eu-west-2/${overrides.service ?? 'kms'}/aws4_request`;
  const req: SignedRequest = { method: 'POST', url: '/', headers, body };
  const sig = crypto.createHmac('sha256', signingKey(overrides.secret ?? 'secret', amz.slice(0, 8), 'eu-west-2', overrides.service ?? 'kms')).update(stringToSign(req, names, amz, scope)).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=AKIDTEST/${scope}, SignedHeaders=${names.join(';')}, Signature=${sig}`;
  return req;
}

const lookup = (id: string) => (id === 'AKIDTEST' ? { accessKeyId: id, secretAccessKey: 'secret' } : undefined);
const NOW = new Date('2026-12-06T12:00:00Z');

function refusal(req: SignedRequest, now = NOW): SignatureError {
  try {
    verifySigV4(req, 'kms', now, lookup);
  } catch (e) {
    if (e instanceof SignatureError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('SigV4 refusals', () => {
  it('accepts a well-signed request and refuses the same request with another body', () => {
    const req = signed();
    expect(verifySigV4(req, 'kms', NOW, lookup).accessKeyId).toBe('AKIDTEST');
    expect(refusal({ ...req, body: Buffer.from('{"Limit":1}') }).code).toBe('InvalidSignatureException');
  });
  it('refuses a wrong secret, an unknown key, another service, a stale or future date', () => {
    expect(refusal(signed({ secret: 'other' })).message).toMatch(/does not match/);
    const unknown = signed();
    unknown.headers.authorization = String(unknown.headers.authorization).replace('AKIDTEST', 'AKIDOTHER');
    expect(refusal(unknown).code).toBe('UnrecognizedClientException');
    expect(refusal(signed({ service: 's3' })).message).toMatch(/correct service: 'kms'/);
    expect(refusal(signed({ date: new Date(NOW.getTime() - 6 * 60_000) })).message).toMatch(/^Signature expired/);
    expect(refusal(signed({ date: new Date(NOW.getTime() + 6 * 60_000) })).message).toMatch(/not yet current/);
  });
  it('refuses a missing or malformed Authorization header and a payload hash that is not the body', () => {
    const none = signed();
    delete none.headers.authorization;
    expect(refusal(none).code).toBe('MissingAuthenticationTokenException');
    const bad = signed();
    bad.headers.authorization = 'AWS4-HMAC-SHA256 Credential=AKIDTEST/20261206/eu-west-2/kms/aws4_request';
    expect(refusal(bad).code).toBe('IncompleteSignatureException');
    expect(refusal(signed({ headers: { 'x-amz-content-sha256': '0'.repeat(64) } })).message).toMatch(/x-amz-content-sha256/);
  });
  it('refuses a request that does not sign host', () => {
    const req = signed();
    req.headers.authorization = String(req.headers.authorization).replace('SignedHeaders=host;', 'SignedHeaders=');
    expect(refusal(req).message).toMatch(/'host' must be signed/);
  });
});
