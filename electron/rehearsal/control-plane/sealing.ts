/**
 * The control plane's HPKE sealing key and the opening of sealed envelopes.
 * The key pair is derived (RFC 9180 DeriveKeyPair) from a 32-byte seed kept
 * in a 0600 file beside the state, so restarts keep the same public key and
 * its fingerprint, which holders have pinned.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { envelopeAad, envelopeInfo, fromBase64Url, sealingKeyFingerprint, toBase64Url, type EnvelopeAddress, type SealedEnvelope } from '../../../shared/control-plane/envelope';

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

export interface SealingKey {
  publicKey: Uint8Array;
  publicKeyB64: string;
  fingerprint: string;
  privateKey: CryptoKey;
}

async function sealingKeyFromSeed(seed: Uint8Array): Promise<SealingKey> {
  const pair = await suite.kem.deriveKeyPair(seed);
  const publicKey = new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey));
  return { publicKey, publicKeyB64: toBase64Url(publicKey), fingerprint: sealingKeyFingerprint(publicKey), privateKey: pair.privateKey };
}

/** Loads the seed from dataDir, creating it on first start. */
export async function loadOrCreateSealingKey(dataDir: string): Promise<SealingKey> {
  const file = path.join(dataDir, 'sealing-key.json');
  let seed: Buffer;
  if (fs.existsSync(file)) {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { seed?: string };
    seed = Buffer.from(fromBase64Url(parsed.seed ?? ''));
    if (seed.length !== 32) throw new Error(`sealing key file ${file} is damaged`);
  } else {
    seed = randomBytes(32);
    fs.mkdirSync(dataDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ kind: 'hpke-x25519-seed', seed: toBase64Url(seed) }), { mode: 0o600 });
    fs.renameSync(tmp, file);
  }
  try {
    return await sealingKeyFromSeed(seed);
  } finally {
    seed.fill(0);
  }
}

/**
 * Opens an envelope with the address the control plane itself knows (from the
 * enrolment token), never the one the envelope claims: a mis-addressed
 * envelope then fails authentication. Returns the plaintext bytes or null.
 */
export async function openEnvelope(key: SealingKey, envelope: SealedEnvelope, address: EnvelopeAddress): Promise<Uint8Array | null> {
  try {
    const pt = await suite.open(
      { recipientKey: key.privateKey, enc: fromBase64Url(envelope.enc), info: envelopeInfo(address) },
      fromBase64Url(envelope.ciphertext),
      envelopeAad(address),
    );
    return new Uint8Array(pt);
  } catch {
    return null;
  }
}
