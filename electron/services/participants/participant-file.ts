/**
 * Participant enrolment (docs/formats/participant-v1.md): each person of an
 * activation has an Ed25519 key pair; the private half is kept in a small
 * file sealed under that person's own passphrase (scrypt + AES-256-GCM). The
 * header is bound as AAD, so a name or public key swapped in the file makes
 * it unopenable rather than quietly someone else's.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, scrypt, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import { canonicalJson, fromBase64Url, toBase64Url, type JsonObject } from '../../../shared/transcript/canonical';
import { attestationSigningBytes, keyFingerprint, type Attestation, type Role } from '../../../shared/transcript/entry';
import { ed25519Sign, ed25519Verify, rawPublicKey } from '../transcript/ed25519';
import { requireAcceptablePassphrase } from '../../../shared/escrow/policy';

const PARTICIPANT_FORMAT = 'keyholder-participant' as const;

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}
/** About 0.45 s on the project's reference 2-core machine (sdk-facts.md). */
export const DEFAULT_PARTICIPANT_KDF: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

const b64 = (bytes: number) => z.string().refine((s) => fromBase64Url(s)?.length === bytes, `must be ${bytes} bytes of base64url`);
export const participantFileSchema = z.strictObject({
  format: z.literal(PARTICIPANT_FORMAT),
  v: z.literal(1),
  id: z.string().regex(/^p-[0-9a-f-]{36}$/),
  name: z.string().min(1).max(200),
  publicKey: b64(32),
  created: z.string(),
  kdf: z.strictObject({
    name: z.literal('scrypt'),
    N: z.number().int().refine((n) => n >= 2 ** 10 && n <= 2 ** 22 && (n & (n - 1)) === 0, 'N must be a power of two from 2^10 to 2^22'),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(64),
    salt: b64(16),
  }),
  cipher: z.strictObject({ name: z.literal('aes-256-gcm'), iv: b64(12), tag: b64(16) }),
  sealedPrivateKey: z.string().min(1),
});
export type ParticipantFile = z.infer<typeof participantFileSchema>;

export interface ParticipantIdentity {
  id: string;
  name: string;
  key: string;
}

function aadOf(file: Omit<ParticipantFile, 'sealedPrivateKey' | 'cipher'> & { cipher: { name: string; iv: string } }): Buffer {
  const { format, v, id, name, publicKey, created, kdf, cipher } = file;
  return Buffer.from(canonicalJson({ format, v, id, name, publicKey, created, kdf, cipher: { name: cipher.name, iv: cipher.iv } }), 'utf8');
}

function toBuffer(passphrase: string | Uint8Array): Buffer {
  return typeof passphrase === 'string' ? Buffer.from(passphrase.normalize('NFC'), 'utf8') : Buffer.from(passphrase);
}

function deriveKey(passphrase: Buffer, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase, salt, 32, { ...cost, maxmem: 256 * cost.N * cost.r + 32 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * The same strength rule as custodian and holder-copy passphrases (review
 * #14): a participant's passphrase is all that protects the key that signs
 * joins and attestations, and the participant file can be copied and
 * attacked offline.
 */
function requireStrongParticipantPassphrase(pass: Buffer, name: string): void {
  try {
    requireAcceptablePassphrase(pass.toString('utf8'), name, [name, ...name.split(/\s+/u)]);
  } catch (e) {
    if (!isKeyholderError(e)) throw e;
    throw new KeyholderError('participant.weak_passphrase', `${e.message} It is all that protects ${name}'s signing key.`);
  }
}

/**
 * Makes a participant key. `sign`, if given, is a statement built from the
 * new identity that the new key signs before its private half is dropped
 * (the ceremony plan's proof of enrolment), without a second KDF run.
 */
export async function enrolParticipant(opts: {
  name: string;
  passphrase: string | Uint8Array;
  kdf?: ScryptCost;
  now?: Date;
  sign?: (identity: ParticipantIdentity & { created: string }) => JsonObject;
}): Promise<{ file: ParticipantFile; identity: ParticipantIdentity; proof?: string }> {
  const name = opts.name.trim();
  if (!name) throw new KeyholderError('participant.name_required', 'Enter the participant\'s full name.');
  const pass = toBuffer(opts.passphrase);
  try {
    requireStrongParticipantPassphrase(pass, name);
    const cost = opts.kdf ?? DEFAULT_PARTICIPANT_KDF;
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const header = {
      format: PARTICIPANT_FORMAT,
      v: 1 as const,
      id: `p-${randomUUID()}`,
      name,
      publicKey: toBase64Url(rawPublicKey(publicKey)),
      created: (opts.now ?? new Date()).toISOString(),
      kdf: { name: 'scrypt' as const, ...cost, salt: salt.toString('base64url') },
    };
    const key = await deriveKey(pass, salt, cost);
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(aadOf({ ...header, cipher: { name: 'aes-256-gcm', iv: iv.toString('base64url') } }));
    const sealed = Buffer.concat([c.update(der), c.final()]);
    der.fill(0);
    key.fill(0);
    const file: ParticipantFile = {
      ...header,
      cipher: { name: 'aes-256-gcm', iv: iv.toString('base64url'), tag: c.getAuthTag().toString('base64url') },
      sealedPrivateKey: sealed.toString('base64url'),
    };
    const identity = { id: file.id, name, key: file.publicKey };
    const proof = opts.sign ? toBase64Url(ed25519Sign(privateKey, attestationSigningBytes(opts.sign({ ...identity, created: file.created })))) : undefined;
    return { file, identity, ...(proof ? { proof } : {}) };
  } finally {
    pass.fill(0);
  }
}

export function parseParticipantFile(text: string): ParticipantFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new KeyholderError('participant.bad_file', 'This is not a participant file (it is not JSON).');
  }
  const parsed = participantFileSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new KeyholderError('participant.bad_file', `This is not a valid participant file (${i?.path.join('.') || 'file'}: ${i?.message}).`);
  }
  return parsed.data;
}

export function serializeParticipantFile(file: ParticipantFile): string {
  return JSON.stringify(file, null, 2) + '\n';
}

/** An unlocked participant: can sign statements until disposed. */
export interface ParticipantSigner extends ParticipantIdentity {
  fingerprint: string;
  /** Signs a statement as this participant in `role` (an attestation, a join, a request). */
  attest(role: Role, statement: JsonObject): Attestation;
  dispose(): void;
}

export async function openParticipant(file: ParticipantFile, passphrase: string | Uint8Array): Promise<ParticipantSigner> {
  const pass = toBuffer(passphrase);
  let key: Buffer | undefined;
  let der: Buffer | undefined;
  try {
    key = await deriveKey(pass, Buffer.from(file.kdf.salt, 'base64url'), file.kdf);
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(file.cipher.iv, 'base64url'));
    d.setAAD(aadOf(file));
    d.setAuthTag(Buffer.from(file.cipher.tag, 'base64url'));
    try {
      der = Buffer.concat([d.update(Buffer.from(file.sealedPrivateKey, 'base64url')), d.final()]);
    } catch {
      throw new KeyholderError('participant.wrong_passphrase', `The passphrase for ${file.name} is wrong, or the participant file was changed. Try again; nothing was unlocked.`);
    }
    let privateKey: KeyObject | null = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    if (toBase64Url(rawPublicKey(createPublicKey(privateKey))) !== file.publicKey) {
      throw new KeyholderError('participant.bad_file', `The participant file for ${file.name} does not hold the key it names.`);
    }
    const identity = { id: file.id, name: file.name, key: file.publicKey };
    return {
      ...identity,
      fingerprint: keyFingerprint(file.publicKey),
      attest(role, statement) {
        if (!privateKey) throw new KeyholderError('participant.locked', `${file.name}'s key is locked again: enter the passphrase once more.`);
        return { participant: file.id, name: file.name, role, key: file.publicKey, statement, sig: toBase64Url(ed25519Sign(privateKey, attestationSigningBytes(statement))) };
      },
      dispose() {
        // A KeyObject's bytes live outside the JS heap; dropping the reference is all JS allows.
        privateKey = null;
      },
    };
  } finally {
    pass.fill(0);
    key?.fill(0);
    der?.fill(0);
  }
}

/** Checks an attestation's signature with the key it carries (the caller checks that key is the right person's). */
export function verifyAttestation(a: Attestation): boolean {
  const key = fromBase64Url(a.key);
  const sig = fromBase64Url(a.sig);
  return !!key && !!sig && ed25519Verify(key, attestationSigningBytes(a.statement), sig);
}
