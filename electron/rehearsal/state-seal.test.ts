/**
 * The rehearsal Key Vault keeps no private key readable on disk (issue 16):
 * after an import through the SDK the state file holds none of the key's
 * d, p, q (nor any PEM), a restarted cloud still unwraps with it, and a
 * sealed key moved to another version, or read with another storage key, is refused.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type https from 'node:https';
import * as msal from '@azure/msal-node';
import { CryptographyClient, KeyClient, type KeyClientOptions } from '@azure/keyvault-keys';
import { afterEach, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from './index';
import { agentFor, clientCredential, msalConfig } from './testing/sdk';

const running: { cloud: RehearsalCloud; agent: https.Agent }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.agent.destroy();
    await r.cloud.stop();
  }
});

async function start(dataDir: string) {
  const cloud = await startRehearsalCloud({ dataDir, port: 0 });
  const agent = agentFor(cloud);
  running.push({ cloud, agent });
  const a = cloud.descriptor.apps[0]!;
  const cred = clientCredential(new msal.ConfidentialClientApplication(msalConfig(cloud, agent, a.tenantId, a.appId, a.clientSecret)));
  const opts = { agent, retryOptions: { maxRetries: 0 } } as KeyClientOptions;
  return { cloud, keys: new KeyClient(cloud.descriptor.vaults[0]!.url, cred, opts), crypto: (kid: string) => new CryptographyClient(kid, cred, opts) };
}

const stateText = (dir: string) => fs.readFileSync(path.join(dir, 'rehearsal-state.json'), 'utf8');

describe('rehearsal Key Vault state at rest', () => {
  it('an imported key leaves no d, p, q or PEM in the state file, and still works after a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-kv-rest-'));
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const j = privateKey.export({ format: 'jwk' });
    const b = (s?: string) => Buffer.from(s!, 'base64url');
    const first = await start(dataDir);
    const imported = await first.keys.importKey('mistaken-real-key', { kty: 'RSA', n: b(j.n), e: b(j.e), d: b(j.d), p: b(j.p), q: b(j.q), dp: b(j.dp), dq: b(j.dq), qi: b(j.qi) }, { hardwareProtected: true });
    const text = stateText(dataDir);
    for (const part of [j.d!, j.p!, j.q!, j.dp!, j.dq!]) {
      expect(text).not.toContain(part);
      expect(text).not.toContain(Buffer.from(part, 'base64url').toString('base64'));
    }
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64').slice(40, 100));
    await first.cloud.stop();
    running.splice(0);

    const second = await start(dataDir);
    const secret = crypto.randomBytes(32);
    const wrapped = crypto.publicEncrypt({ key: privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, secret);
    // Same key, same version, on the restarted cloud's port.
    const kid = `${second.cloud.descriptor.vaults[0]!.url.replace(/\/$/, '')}/keys/mistaken-real-key/${imported.properties.version!}`;
    const out = await second.crypto(kid).unwrapKey('RSA-OAEP-256', wrapped);
    expect(Buffer.from(out.result).equals(secret)).toBe(true);
  });

  it('refuses to start when a sealed key was moved or the storage key changed', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-kv-rest-'));
    const first = await start(dataDir);
    await first.keys.createRsaKey('one', { keySize: 2048 });
    await first.keys.createRsaKey('one', { keySize: 2048 });
    await first.cloud.stop();
    running.splice(0);
    const file = path.join(dataDir, 'rehearsal-state.json');
    const original = fs.readFileSync(file, 'utf8');
    const state = JSON.parse(original);
    const versions = (Object.values(state.vaults[0].keys)[0] as { versions: { privateKeyPem: string }[] }).versions;
    [versions[0]!.privateKeyPem, versions[1]!.privateKeyPem] = [versions[1]!.privateKeyPem, versions[0]!.privateKeyPem];
    fs.writeFileSync(file, JSON.stringify(state));
    await expect(startRehearsalCloud({ dataDir, port: 0 })).rejects.toThrow(/cannot open key one/);
    fs.writeFileSync(file, original);
    fs.writeFileSync(path.join(dataDir, 'storage-key.json'), JSON.stringify({ key: Buffer.alloc(32, 9).toString('base64url') }));
    await expect(startRehearsalCloud({ dataDir, port: 0 })).rejects.toThrow(/cannot open key .* with its storage key/);
  });
});
