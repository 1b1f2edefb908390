/**
 * The real KeyStoreProbe (MSAL client credentials + @azure/keyvault-keys)
 * against the rehearsal cloud: the same RSA key imported into two vaults
 * proves out; a different key, a disabled key and a wrong secret fail with
 * the holder and line at fault.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import type https from 'node:https';
import * as msal from '@azure/msal-node';
import { KeyClient } from '@azure/keyvault-keys';
import { startRehearsalCloud, type RehearsalCloud } from '../index';
import { agentFor, clientCredential, msalConfig, request } from '../testing/sdk';
import { AzureKeyStoreProbe, ProbeError } from './probe';
import { provePair } from './validator';
import { keyStoreRecordSchema, type KeyStoreRecord } from '../../../shared/control-plane/api';

let cloud: RehearsalCloud;
let agent: https.Agent;
const records: KeyStoreRecord[] = [];
const vaultNames: string[] = [];

function rsaJwk() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const j = privateKey.export({ format: 'jwk' });
  const b = (s?: string) => Buffer.from(s ?? '', 'base64url');
  return { kty: 'RSA' as const, n: b(j.n), e: b(j.e), d: b(j.d), p: b(j.p), q: b(j.q), dp: b(j.dp), dq: b(j.dq), qi: b(j.qi), keyOps: ['wrapKey', 'unwrapKey', 'encrypt', 'decrypt'] };
}

beforeAll(async () => {
  cloud = await startRehearsalCloud({ adminEnabled: true });
  agent = agentFor(cloud);
  const d = cloud.descriptor;
  const shared = rsaJwk();
  for (const [i, app] of d.apps.slice(0, 2).entries()) {
    const vault = d.vaults.find((v) => v.tenantId === app.tenantId)!;
    const cca = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, app.tenantId, app.appId, app.clientSecret));
    const kc = new KeyClient(vault.url, clientCredential(cca), { agent } as ConstructorParameters<typeof KeyClient>[2]);
    const key = await kc.importKey('primary', shared, {});
    vaultNames.push(vault.name);
    records.push(
      keyStoreRecordSchema.parse({
        holder: i + 1,
        vaultDnsName: new URL(vault.url).host,
        keyIdentifier: key.id,
        applicationId: app.appId,
        clientSecret: app.clientSecret,
        tenantId: app.tenantId,
        secretExpiresOn: '2027-11-01T00:00:00Z',
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  agent?.destroy();
  await cloud?.stop();
});

const probe = () => new AzureKeyStoreProbe({ authorityHost: cloud.descriptor.entraUrl, agent });

describe('AzureKeyStoreProbe over the official SDKs', () => {
  it('proves the same key in two vaults (public key match, cross unwrap by each vault)', async () => {
    const r = await provePair(probe(), records[0]!, records[1]!);
    expect(r.failures).toEqual([]);
    expect(r.publicKey?.n.length).toBe(256);
  });

  it('reports a different key in vault 2', async () => {
    const d = cloud.descriptor;
    const app = d.apps[1]!;
    const vault = d.vaults.find((v) => v.tenantId === app.tenantId)!;
    const cca = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, app.tenantId, app.appId, app.clientSecret));
    const other = await new KeyClient(vault.url, clientCredential(cca), { agent } as ConstructorParameters<typeof KeyClient>[2]).importKey('other', rsaJwk(), {});
    const r = await provePair(probe(), records[0]!, { ...records[1]!, keyIdentifier: other.id! });
    expect(r.failures.map((f) => `${f.code}@${f.holder}:${f.worksheetLine}`)).toEqual(['public_keys_differ@1:2', 'public_keys_differ@2:2']);
  });

  it('a disabled key answers 403 and counts as revoked access; a wrong secret names line 4', async () => {
    const adminUrl = cloud.descriptor.adminUrl!;
    const off = await request(agent, `${adminUrl}/keys/disable`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vault: vaultNames[0], name: 'primary' }) });
    expect(off.status).toBe(200);
    try {
      const err = await probe()
        .unwrapKey(records[0]!, new Uint8Array(256))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProbeError);
      expect((err as ProbeError).kind).toBe('forbidden');
      const r = await provePair(probe(), records[0]!, records[1]!);
      expect(r.failures.map((f) => `${f.code}@${f.holder}:${f.worksheetLine}`)).toEqual(['key_access_denied@1:2']);
    } finally {
      await request(agent, `${adminUrl}/keys/enable`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vault: vaultNames[0], name: 'primary' }) });
    }
    const r = await provePair(probe(), { ...records[0]!, clientSecret: 'Wrong~secret-000000000000000' }, records[1]!);
    expect(r.failures.map((f) => `${f.code}@${f.holder}:${f.worksheetLine}`)).toEqual(['client_secret_rejected@1:4']);
  });
});
