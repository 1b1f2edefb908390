/**
 * Two workstations: a participant at their own workstation seals their
 * component (a share, or the knower's passphrase) to the activating
 * workstation's one-time HPKE public key, and carries the result over as a
 * file or a QR code. The one-time private key lives only in the activation
 * session, so a package opens once, on that workstation, in that session.
 *
 * The request (offer) is signed with the activating workstation's ceremony
 * key, and the sealing side seals only to a request whose signer is a
 * workstation of the ceremony plan: whoever swaps the text or QR code cannot
 * put their own public key in it. Both screens also show the request's short
 * fingerprint, which the two people compare aloud.
 */
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import QRCode from 'qrcode';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { KeyholderError } from '../../../shared/errors/index';
import { canonicalJson, fromBase64Url, toBase64Url, utf8, type JsonObject } from '../../../shared/transcript/canonical';
import { attestationSchema, type Attestation, type Role } from '../../../shared/transcript/entry';
import { requirePlannedWorkstation, type CeremonyPlan } from '../../../shared/ceremony/plan';
import { ed25519Verify } from '../transcript/ed25519';

export const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const INFO = new TextEncoder().encode('keyholder activation component v1');

const rawKey = (what: string) => z.string().refine((s) => fromBase64Url(s)?.length === 32, `must be a 32-byte ${what} key`);

export const offerSchema = z.strictObject({
  kind: z.literal('keyholder-activation-offer'),
  /** v2: signed by the activating workstation's ceremony key (v1 was unsigned and is refused). */
  v: z.literal(2),
  ceremony: z.string().max(100),
  session: z.string().max(100),
  /** Challenge the remote participant signs in their join statement. */
  challenge: z.string().max(64),
  /** What the activation is for, as the supervisor will attest it: shown to the remote participant before they seal. */
  purpose: z.strictObject({ kind: z.string().max(40), target: z.string().max(300) }),
  publicKey: rawKey('X25519'),
  expiresAt: z.string().max(40),
  /** The activating workstation's ceremony key (Ed25519, base64url): must be a workstation of the ceremony plan. */
  signer: rawKey('Ed25519'),
  sig: z.string().max(200),
});
export type ActivationOffer = z.infer<typeof offerSchema>;
export type UnsignedOffer = Omit<ActivationOffer, 'sig'>;

const OFFER_DOMAIN = 'keyholder activation offer v2\n';
const offerSigningBytes = (o: UnsignedOffer): Uint8Array => {
  const { kind, v, ceremony, session, challenge, purpose, publicKey, expiresAt, signer } = o;
  return utf8(OFFER_DOMAIN + canonicalJson({ kind, v, ceremony, session, challenge, purpose, publicKey, expiresAt, signer }));
};

/**
 * The request's short fingerprint (SHA-256 of everything signed, including
 * the one-time public key), read aloud by the operator and the remote
 * participant: `ABCD-EF01-2345`.
 */
export function offerFingerprint(o: UnsignedOffer): string {
  return createHash('sha256').update(offerSigningBytes(o)).digest('hex').slice(0, 12).toUpperCase().match(/.{4}/g)!.join('-');
}

/** Signs a request with the workstation's ceremony key. */
export function signOffer(o: Omit<UnsignedOffer, 'signer'>, key: { publicKey: string; sign(m: Uint8Array): Uint8Array }): ActivationOffer {
  const unsigned: UnsignedOffer = { ...o, signer: key.publicKey };
  return { ...unsigned, sig: toBase64Url(key.sign(offerSigningBytes(unsigned))) };
}

/**
 * The sealing side's check, before anything is opened: a well-formed v2
 * request, signed by the key it names, that key a workstation of the
 * ceremony plan, not expired. Returns the request and its fingerprint.
 */
export function verifyOffer(input: string | unknown, plan: CeremonyPlan, now: Date): { offer: ActivationOffer; fingerprint: string } {
  let raw = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch {
      raw = null;
    }
  }
  const parsed = offerSchema.safeParse(raw);
  if (!parsed.success) throw new KeyholderError('activation.bad_offer', 'This is not a signed activation request from Key Holder. Scan or paste it again; an older, unsigned request must be made again.');
  const offer = parsed.data;
  const sig = fromBase64Url(offer.sig);
  if (!sig || !ed25519Verify(fromBase64Url(offer.signer)!, offerSigningBytes(offer), sig)) {
    throw new KeyholderError('activation.offer_bad_signature', 'This activation request was changed after the activating workstation signed it (its key or details do not match the signature). Do not seal anything to it; ask the operator for a new request.');
  }
  requirePlannedWorkstation(plan, offer.signer);
  if (!(new Date(offer.expiresAt).getTime() >= now.getTime())) {
    throw new KeyholderError('activation.offer_expired', 'This activation request has expired. Ask the operator for a new one.');
  }
  return { offer, fingerprint: offerFingerprint(offer) };
}

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
  /** v2 names the signed request it was sealed to. */
  v: z.literal(2),
  ceremony: z.string(),
  session: z.string(),
  content: z.enum(['share', 'passphrase']),
  custodian: z.string().optional(),
  /** The fingerprint of the request it was sealed to (in the AAD): the activating side checks it issued that request. */
  offer: z.string().regex(/^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/),
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
  join: attestationSchema,
  enc: z.string(),
  ct: z.string(),
});
export type SealedComponentPackage = z.infer<typeof packageSchema>;

function aadOf(p: Omit<SealedComponentPackage, 'enc' | 'ct'>): Uint8Array {
  return new TextEncoder().encode(canonicalJson({ ...p }));
}

/**
 * Run on the remote participant's workstation. The request is verified
 * against the ceremony plan first (signature, signer, expiry); nothing is
 * sealed to an unverified key. `component` is zeroed in every case.
 */
export async function sealComponentForOffer(
  offer: ActivationOffer | string,
  opts: { plan: CeremonyPlan; content: 'share' | 'passphrase'; component: Uint8Array; custodian?: string; join: Attestation; now?: Date },
): Promise<SealedComponentPackage> {
  let o: ActivationOffer;
  try {
    o = verifyOffer(offer, opts.plan, opts.now ?? new Date()).offer;
  } catch (e) {
    opts.component.fill(0);
    throw e;
  }
  const header = {
    kind: 'keyholder-sealed-component' as const,
    v: 2 as const,
    ceremony: o.ceremony,
    session: o.session,
    content: opts.content,
    ...(opts.custodian ? { custodian: opts.custodian } : {}),
    offer: offerFingerprint(o),
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
