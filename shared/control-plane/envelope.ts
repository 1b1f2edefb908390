/**
 * The sealed envelope: how a key-store record (client secret included)
 * travels to the control plane so that nothing in between (proxies, logs, the
 * vendor's web tier) can read it. HPKE (RFC 9180) base mode with
 * DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and AES-256-GCM.
 *
 * - `info` binds the control plane's ID and the API version, so an envelope
 *   made for one control plane (or one protocol version) cannot be opened as
 *   another's even if the same key were reused.
 * - The AAD binds the enrolment, environment, holder and purpose, so an
 *   envelope sent under someone else's enrolment token, or replayed as a
 *   credential update, fails to open.
 * - It also binds the envelope's `sequence`, which grows with every envelope
 *   a holder sends: the control plane keeps the highest it accepted per
 *   enrolment and refuses an older or equal one (409 `envelope_replayed`), so
 *   a captured earlier submission replayed after a correction cannot undo it.
 *
 * This module defines the format only (bytes that both sides must agree on);
 * the app seals in electron/services and the reference control plane opens in
 * electron/rehearsal, each calling @hpke/core itself.
 */
import { z } from 'zod';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { holderSchema, idSchema, type Holder } from './api';

export const ENVELOPE_FORMAT = 'keyholder-sealed/1';
export const envelopePurposeSchema = z.enum(['key-store-submission', 'credential-update']);
export type EnvelopePurpose = z.infer<typeof envelopePurposeSchema>;

const b64url = z.string().regex(/^[A-Za-z0-9_-]+$/);

export const sealedEnvelopeSchema = z
  .object({
    format: z.literal(ENVELOPE_FORMAT),
    apiVersion: z.string(),
    controlPlaneId: idSchema,
    /** Fingerprint of the sealing key the sender used (lets the control plane say "old key" instead of "unreadable"). */
    keyFingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    environmentId: idSchema,
    enrolmentId: idSchema,
    holder: holderSchema,
    purpose: envelopePurposeSchema,
    /** Grows with every envelope this holder sends (the app uses milliseconds since 1970, or one more than its last). */
    sequence: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    /** HPKE encapsulated key (32 bytes for X25519), base64url. */
    enc: b64url.length(43),
    /** AES-256-GCM ciphertext with tag, base64url. */
    ciphertext: b64url.min(22).max(16384),
  })
  .strict();
export type SealedEnvelope = z.infer<typeof sealedEnvelopeSchema>;

export interface EnvelopeAddress {
  controlPlaneId: string;
  apiVersion: string;
  environmentId: string;
  enrolmentId: string;
  holder: Holder;
  purpose: EnvelopePurpose;
  sequence: number;
}

const utf8 = new TextEncoder();

/** HPKE `info`: the control plane and API version this envelope is for. */
export function envelopeInfo(a: Pick<EnvelopeAddress, 'controlPlaneId' | 'apiVersion'>): Uint8Array {
  return utf8.encode(JSON.stringify(['keyholder-control-plane/info', a.controlPlaneId, a.apiVersion]));
}

/** HPKE AAD: who sent it, for which environment, and what for. A JSON array keeps the encoding unambiguous. */
export function envelopeAad(a: EnvelopeAddress): Uint8Array {
  return utf8.encode(
    JSON.stringify(['keyholder-control-plane/aad', a.controlPlaneId, a.apiVersion, a.environmentId, a.enrolmentId, a.holder, a.purpose, a.sequence]),
  );
}

/** `sha256:` + hex of the raw 32-byte X25519 public key. */
export function sealingKeyFingerprint(rawPublicKey: Uint8Array): string {
  return `sha256:${bytesToHex(sha256(rawPublicKey))}`;
}

/** The fingerprint as people compare it: upper-case hex in groups of four. */
export function formatFingerprint(fp: string): string {
  const hex = fp.replace(/^sha256:/, '').toUpperCase();
  return hex.match(/.{1,4}/g)?.join(' ') ?? hex;
}

/** Accepts a fingerprint as pasted from the vendor's message: any case, spaces, colons or the sha256: prefix. */
export function normaliseFingerprint(input: string): string | null {
  const hex = input.trim().replace(/^sha256:/i, '').replace(/[\s:]/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? `sha256:${hex}` : null;
}

/**
 * The sequence for a holder's next envelope: the clock in milliseconds, so a
 * workstation that lost its state still moves forward, and never less than one
 * more than the last it sent, so a clock set back cannot reuse a number.
 */
export function nextEnvelopeSequence(last: number | undefined, nowMs: number): number {
  return Math.max((last ?? 0) + 1, Math.floor(nowMs));
}

export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('not base64url');
  const pad = s.length % 4 === 2 ? '==' : s.length % 4 === 3 ? '=' : '';
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + pad);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
