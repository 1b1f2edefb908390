/**
 * The rehearsal Key Vault's private keys at rest. A rehearsal done with a
 * real key by mistake must leave nothing readable on disk, so every key
 * version's private key is sealed with AES-256-GCM whenever the state file is
 * written, and opened only in memory when it is read. The storage key is held
 * apart from the state file: `KEYHOLDER_REHEARSAL_STORAGE_KEY` (64 hex
 * characters) when set, else a 0600 `storage-key.json` beside it. Plain
 * node:crypto: the rehearsal cloud never imports the app's crypto helpers.
 *
 * Generic over key types: whatever a version keeps in `privateKeyPem` is
 * sealed, bound to the vault, key name and version it belongs to; the Entra
 * double's token-signing key is sealed the same way.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CloudState, KeyState } from './state';

const REHEARSAL_STORAGE_KEY_ENV = 'KEYHOLDER_REHEARSAL_STORAGE_KEY';
const PREFIX = 'A256GCM.';

export function loadOrCreateRehearsalStorageKey(stateFile: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env[REHEARSAL_STORAGE_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^[0-9a-fA-F]{64}$/.test(fromEnv)) throw new Error(`${REHEARSAL_STORAGE_KEY_ENV} must be 64 hex characters (a 256-bit key).`);
    return Buffer.from(fromEnv, 'hex');
  }
  const file = path.join(path.dirname(stateFile), 'storage-key.json');
  if (fs.existsSync(file)) {
    const key = Buffer.from((JSON.parse(fs.readFileSync(file, 'utf8')) as { key?: string }).key ?? '', 'base64url');
    if (key.length !== 32) throw new Error(`The rehearsal cloud's storage key file ${file} is damaged. Move the rehearsal folder aside to start a fresh rehearsal.`);
    return key;
  }
  const key = crypto.randomBytes(32);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ kind: 'aes-256-gcm-storage-key', key: key.toString('base64url') }), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return key;
}

type Where = [vault: string, key: string, version: string];
const aad = (w: Where) => Buffer.from(JSON.stringify(['keyholder-rehearsal-key/1', ...w]), 'utf8');

function seal(key: Buffer, pem: string, w: Where): string {
  const nonce = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad(w));
  return PREFIX + Buffer.concat([nonce, c.update(pem, 'utf8'), c.final(), c.getAuthTag()]).toString('base64url');
}

function open(key: Buffer, sealed: string, w: Where): string {
  const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
  try {
    const d = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    d.setAAD(aad(w));
    d.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8');
  } catch {
    throw new Error(`The rehearsal cloud cannot open key ${w[1]} in vault ${w[0]} with its storage key (${REHEARSAL_STORAGE_KEY_ENV} or storage-key.json changed, or the state file was altered). Move the rehearsal folder aside to start a fresh rehearsal.`);
  }
}

/** Every private key the state keeps: each vault key version's, the Entra double's token-signing key, the KMS double's material and wrapping keys. */
function eachVersion(state: CloudState, fn: (v: { privateKeyPem: string }, w: Where) => void): void {
  if (state.signingKey && typeof state.signingKey.privateKeyPem === 'string') fn(state.signingKey, ['(entra token signing)', state.signingKey.kid, '']);
  for (const vault of state.vaults) {
    const all: [string, KeyState][] = [...Object.entries(vault.keys ?? {}), ...Object.entries(vault.deletedKeys ?? {})];
    for (const [name, k] of all) for (const v of k.versions) if (typeof v.privateKeyPem === 'string') fn(v, [vault.name, k.name ?? name, v.version]);
  }
  // The AWS KMS double: each key's imported (or generated) material and its import parameters' wrapping private keys.
  for (const k of state.kms?.keys ?? []) {
    if (typeof k.material === 'string') {
      const box = { privateKeyPem: k.material };
      fn(box, ['(aws kms material)', k.arn, '']);
      k.material = box.privateKeyPem;
    }
    for (const p of k.importParameters ?? []) if (typeof p.privateKeyPem === 'string') fn(p, ['(aws kms wrapping key)', k.arn, p.tokenHash]);
  }
}

/** A copy of the state to write: every private key sealed. */
export function sealStateKeys(state: CloudState, key: Buffer): CloudState {
  const out = structuredClone(state);
  eachVersion(out, (v, w) => {
    v.privateKeyPem = seal(key, v.privateKeyPem, w);
  });
  return out;
}

/** Opens the private keys of a state read from disk, in place. Returns whether any was still in clear (an older file). */
export function openStateKeys(state: CloudState, key: Buffer): { hadClear: boolean } {
  let hadClear = false;
  eachVersion(state, (v, w) => {
    if (v.privateKeyPem.startsWith(PREFIX)) v.privateKeyPem = open(key, v.privateKeyPem, w);
    else hadClear = true;
  });
  return { hadClear };
}
