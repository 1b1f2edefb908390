/**
 * Signature Version 4 verification, written from AWS's published description
 * of the algorithm (canonical request, string to sign, derived signing key)
 * with node:crypto only: the double must not trust the SDK's own signer to
 * check the SDK's signatures, or both would agree on the same bug.
 *
 * What is checked: the Authorization header's shape, the credential scope
 * (date = X-Amz-Date's day, service, aws4_request), a known access key (and
 * its session token for temporary credentials), the request time within five
 * minutes of the cloud clock, the payload hash, and the signature itself over
 * the headers the client says it signed (host and x-amz-date must be among them).
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS refuses a request signed more than five minutes away from its own clock. */
const MAX_SKEW_MS = 5 * 60_000;

export interface SignedRequest {
  method: string;
  /** Path and query exactly as received (req.url). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SigningCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Temporary credentials stop working at this instant (ms). */
  expiresAt?: number;
}

export interface VerifiedCaller {
  accessKeyId: string;
  region: string;
  service: string;
}

/** A refusal in AWS's words: the error code the SDK will surface and AWS's message. */
export class SignatureError extends Error {
  constructor(
    readonly code: 'MissingAuthenticationTokenException' | 'IncompleteSignatureException' | 'InvalidSignatureException' | 'UnrecognizedClientException' | 'ExpiredTokenException',
    message: string,
  ) {
    super(message);
  }
}

const hmac = (key: Buffer | string, data: string) => crypto.createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest('hex');

/** RFC 3986 unreserved characters stay; everything else is %XX in upper case (AWS's UriEncode). */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalUri(path: string): string {
  // Services other than S3 encode each segment of the already-encoded path once more.
  const segments = path.split('/').map((seg) => uriEncode(seg));
  const joined = segments.join('/');
  return joined === '' ? '/' : joined;
}

function canonicalQuery(query: string): string {
  if (!query) return '';
  const pairs = query
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const i = p.indexOf('=');
      const k = decodeURIComponent((i < 0 ? p : p.slice(0, i)).replace(/\+/g, ' '));
      const v = i < 0 ? '' : decodeURIComponent(p.slice(i + 1).replace(/\+/g, ' '));
      return [uriEncode(k), uriEncode(v)] as const;
    });
  pairs.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.map((x) => x.trim()).join(',') : String(v);
}

function parseAmzDate(s: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? null : d;
}

function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(value: string): ParsedAuthorization {
  if (!value.startsWith(`${SIGV4_ALGORITHM} `)) {
    throw new SignatureError('IncompleteSignatureException', `Authorization header requires the ${SIGV4_ALGORITHM} algorithm.`);
  }
  const fields = new Map<string, string>();
  for (const part of value.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const i = part.indexOf('=');
    if (i > 0) fields.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw new SignatureError('IncompleteSignatureException', "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
  }
  const scope = credential.split('/');
  if (scope.length !== 5) throw new SignatureError('IncompleteSignatureException', `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'.`);
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string];
  if (!/^[0-9a-f]{64}$/.test(signature)) throw new SignatureError('IncompleteSignatureException', 'The signature must be 64 lowercase hexadecimal characters.');
  return { accessKeyId, date, region, service, terminator, signedHeaders: signedHeaders.split(';'), signature };
}

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
}

/** The canonical request and string to sign for a request as received. */
export function stringToSign(req: SignedRequest, signedHeaders: string[], amz: string, scope: string): string {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${(headerValue(req.headers, h) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [req.method.toUpperCase(), canonicalUri(path), canonicalQuery(query), canonicalHeaders, signedHeaders.join(';'), sha256Hex(req.body)].join('\n');
  return [SIGV4_ALGORITHM, amz, scope, sha256Hex(canonicalRequest)].join('\n');
}

/**
 * Verifies a request's SigV4 signature. `lookup` finds the secret for an
 * access key ID (undefined: unknown key). Throws SignatureError in AWS's words.
 */
export function verifySigV4(req: SignedRequest, expectedService: string, now: Date, lookup: (accessKeyId: string) => SigningCredential | undefined): VerifiedCaller {
  const authorization = headerValue(req.headers, 'authorization');
  if (!authorization) throw new SignatureError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const auth = parseAuthorization(authorization);
  const amz = headerValue(req.headers, 'x-amz-date');
  if (!amz) throw new SignatureError('IncompleteSignatureException', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  const when = parseAmzDate(amz);
  if (!when) throw new SignatureError('IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${amz}'.`);
  if (auth.date !== amz.slice(0, 8)) throw new SignatureError('InvalidSignatureException', `Credential should be scoped to a valid date: '${amz.slice(0, 8)}' (the date of X-Amz-Date), got '${auth.date}'.`);
  if (auth.service !== expectedService) throw new SignatureError('InvalidSignatureException', `Credential should be scoped to correct service: '${expectedService}'.`);
  if (auth.terminator !== 'aws4_request') throw new SignatureError('InvalidSignatureException', "Credential should be scoped with a valid terminator: 'aws4_request'.");
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(auth.region)) throw new SignatureError('InvalidSignatureException', `Credential should be scoped to a valid region, not '${auth.region}'.`);
  for (const required of ['host', 'x-amz-date']) {
    if (!auth.signedHeaders.includes(required)) throw new SignatureError('InvalidSignatureException', `The header '${required}' must be signed.`);
  }
  const sorted = [...auth.signedHeaders].sort();
  if (sorted.join(';') !== auth.signedHeaders.join(';') || auth.signedHeaders.some((h) => h !== h.toLowerCase() || h === '')) {
    throw new SignatureError('InvalidSignatureException', 'SignedHeaders must be lowercase header names in sorted order.');
  }
  // A signed payload hash must be the body's; an unsigned one is ignored (the body hash goes into the canonical request anyway).
  const contentSha = headerValue(req.headers, 'x-amz-content-sha256');
  if (contentSha !== undefined && contentSha !== sha256Hex(req.body)) {
    throw new SignatureError('InvalidSignatureException', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  const cred = lookup(auth.accessKeyId);
  if (!cred) throw new SignatureError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const token = headerValue(req.headers, 'x-amz-security-token');
  if (cred.sessionToken !== undefined || token !== undefined) {
    if (cred.sessionToken === undefined || token === undefined || !timingSafeEqualText(token, cred.sessionToken)) {
      throw new SignatureError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    if (!auth.signedHeaders.includes('x-amz-security-token')) throw new SignatureError('InvalidSignatureException', "The header 'x-amz-security-token' must be signed.");
  }
  if (cred.expiresAt !== undefined && now.getTime() >= cred.expiresAt) throw new SignatureError('ExpiredTokenException', 'The security token included in the request is expired');
  const skew = when.getTime() - now.getTime();
  if (Math.abs(skew) > MAX_SKEW_MS) {
    const limit = amzDate(new Date(now.getTime() + (skew < 0 ? -MAX_SKEW_MS : MAX_SKEW_MS)));
    throw new SignatureError(
      'InvalidSignatureException',
      `Signature ${skew < 0 ? 'expired' : 'not yet current'}: ${amz} is ${skew < 0 ? 'now earlier' : 'later'} than ${limit} (${amzDate(now)} ${skew < 0 ? '-' : '+'} 5 min.)`,
    );
  }
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const expected = crypto.createHmac('sha256', signingKey(cred.secretAccessKey, auth.date, auth.region, auth.service)).update(stringToSign(req, auth.signedHeaders, amz, scope)).digest();
  if (!crypto.timingSafeEqual(expected, Buffer.from(auth.signature, 'hex'))) {
    throw new SignatureError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return { accessKeyId: auth.accessKeyId, region: auth.region, service: auth.service };
}

function timingSafeEqualText(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}
