/**
 * Two workstations: a participant at their own workstation seals their
 * component (a share, or the knower's passphrase) to the activating
 * workstation's one-time HPKE public key, and carries the result over as a
 * file or a QR code. The one-time private key lives only in the activation
 * session, so a package opens once, on that workstation, in that session.
 */
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import QRCode from 'qrcode';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { KeyholderError } from '../../../shared/errors/index';
import { canonicalJson, fromBase64Url, toBase64Url, type JsonObject } from '../../../shared/transcript/canonical';
import { attestationSchema, type Attestation, type Role } from '../../../shared/transcript/entry';

export const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const INFO = new TextEncoder().encode('keyholder activation component v1');

export const offerSchema = z.strictObject({
  kind: z.literal('keyholder-activation-offer'),
  v: z.literal(1),
  ceremony: z.string(),
  session: z.string(),
  /** Challenge the remote participant signs in their join statement. */
  challenge: z.string(),
  publicKey: z.string().refine((s) => fromBase64Url(s)?.length === 32, 'must be a 32-byte X25519 key'),
  expiresAt: z.string(),
});
export type ActivationOffer = z.infer<typeof offerSchema>;

/**
 * The statement a participant signs to join an activation, built the same
 * way on the activating workstation and on a remote one (from the offer).
 */
export function buildJoinStatement(
  where: { ceremony: string; session: string; challenge: string },
  role: Role,
  who: { id: string; name: string; key: string },
  custodian?: string,
  purpose?: JsonObject,
): JsonObject {
  return {
    statement: 'activation-join',
    ceremony: where.ceremony,
    session: where.session,
    challenge: where.challenge,
    role,
    participant: who.id,
    name: who.name,
    key: who.key,
    ...(custodian ? { custodian } : {}),
    ...(purpose ? { purpose } : {}),
  };
}

export const packageSchema = z.strictObject({
  kind: z.literal('keyholder-sealed-component'),
  v: z.literal(1),
  ceremony: z.string(),
  session: z.string(),
  content: z.enum(['share', 'passphrase']),
  custodian: z.string().optional(),
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
  join: attestationSchema,
  enc: z.string(),
  ct: z.string(),
});
export type SealedComponentPackage = z.infer<typeof packageSchema>;

function aadOf(p: Omit<SealedComponentPackage, 'enc' | 'ct'>): Uint8Array {
  return new TextEncoder().encode(canonicalJson({ ...p }));
}

/** Run on the remote participant's workstation. `component` is zeroed once sealed. */
export async function sealComponentForOffer(
  offer: ActivationOffer,
  opts: { content: 'share' | 'passphrase'; component: Uint8Array; custodian?: string; join: Attestation; now?: Date },
): Promise<SealedComponentPackage> {
  const o = offerSchema.parse(offer);
  if (new Date(o.expiresAt).getTime() < (opts.now ?? new Date()).getTime()) {
    throw new KeyholderError('activation.offer_expired', 'This activation request has expired. Ask the operator for a new one.');
  }
  const header = {
    kind: 'keyholder-sealed-component' as const,
    v: 1 as const,
    ceremony: o.ceremony,
    session: o.session,
    content: opts.content,
    ...(opts.custodian ? { custodian: opts.custodian } : {}),
    nonce: randomBytes(16).toString('hex'),
    join: opts.join,
  };
  try {
    const recipientPublicKey = await suite.kem.deserializePublicKey(fromBase64Url(o.publicKey)!.slice().buffer);
    const { enc, ct } = await suite.seal({ recipientPublicKey, info: INFO }, opts.component.slice().buffer, aadOf(header).slice().buffer);
    return { ...header, enc: toBase64Url(new Uint8Array(enc)), ct: toBase64Url(new Uint8Array(ct)) };
  } finally {
    opts.component.fill(0);
  }
}

export function parsePackage(input: string | unknown): SealedComponentPackage {
  let raw = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch {
      throw new KeyholderError('activation.bad_package', 'This is not a sealed component (not JSON). Scan or load the file again.');
    }
  }
  const r = packageSchema.safeParse(raw);
  if (!r.success) throw new KeyholderError('activation.bad_package', 'This is not a valid sealed component. Scan or load it again.');
  return r.data;
}

/** Opens a package with the session's one-time key; returns the component bytes (caller zeroes). */
export async function openPackage(recipientKey: CryptoKeyPair, pkg: SealedComponentPackage): Promise<Uint8Array> {
  const { enc, ct, ...header } = pkg;
  try {
    const pt = await suite.open({ recipientKey, enc: fromBase64Url(enc)!.slice().buffer, info: INFO }, fromBase64Url(ct)!.slice().buffer, aadOf(header).slice().buffer);
    return new Uint8Array(pt);
  } catch {
    throw new KeyholderError('activation.package_unopenable', 'This sealed component cannot be opened here: it was sealed for another activation or workstation, or it was changed on the way. Ask the participant to seal it again for this activation.');
  }
}

/**
 * QR codes top out at 2,953 bytes (version 40, error correction L); this
 * uses M (2,331 bytes) so a slightly damaged print still scans.
 */
export async function toQrSvg(value: ActivationOffer | SealedComponentPackage): Promise<string> {
  const text = JSON.stringify(value);
  try {
    return await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  } catch {
    throw new KeyholderError('activation.qr_too_large', `This is too large for a QR code (${text.length} characters); carry it as a file instead.`, { length: text.length });
  }
}
