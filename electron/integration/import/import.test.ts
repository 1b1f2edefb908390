/**
 * The holder's import against the rehearsal cloud, on the app's path: a
 * supervised activation opens the key-holder copy (keeper, knower,
 * supervisor) and its purpose imports into the holder's own vault.
 */
import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyClient } from '@azure/keyvault-keys';
import { startHarness, type Harness } from './harness';
import { TAG_FINGERPRINT, TAG_KEY_ID } from '../../services/vault/azure-key-vault';
import { identityOf } from '../../services/keys/source-key';
import type { ImportDraft } from '../../services/vault/vault-service';

let h: Harness;
const PASS = 'correct horse battery staple';
beforeEach(async () => {
  h = await startHarness();
  await h.identity.signIn({ tenantId: h.holder(1).tenantId, method: 'browser' });
});
afterEach(async () => {
  await h.close();
});

function draft(copy: { file: string }, o: Partial<ImportDraft> = {}): ImportDraft {
  return { holder: 1, holderCopyPath: copy.file, vaultUrl: h.holder(1).vaultUrl, keyName: 'acme-cmek-1', protection: 'software', allowEncryptDecrypt: false, ...o };
}

function keyClient(): KeyClient {
  return new KeyClient(h.holder(1).vaultUrl, h.identity.credential(), { agent: h.agent, retryOptions: { maxRetries: 0 } } as never);
}

async function versions(name: string): Promise<string[]> {
  const out: string[] = [];
  for await (const p of keyClient().listPropertiesOfKeyVersions(name)) out.push(p.version!);
  return out;
}

const LINE2 = /^https:\/\/holder1-vault\.vault\.rehearsal\.localhost:\d+\/keys\/acme-cmek-1\/[0-9a-f]{32}$/;

describe('importing a holder copy into the holder’s own vault', () => {
  it('software-protected: JWK import, fingerprint from the vault matches, two-way self-test, line 2 filled', async () => {
    const copy = h.holderCopy(PASS);
    const out = await h.supervisedImport(draft(copy), PASS);
    const fp = identityOf(copy.privateKey).fingerprint;
    expect(out).toMatchObject({ reused: false, hardwareProtected: false, fingerprintMatches: true, storeFingerprint: fp, fingerprint: fp, keyId: copy.keyId });
    expect(out.selfTest).toEqual({ unwrapInStore: true, wrapInStore: true, algorithm: 'RSA-OAEP-256' });
    expect(out.keyOps.sort()).toEqual(['unwrapKey', 'wrapKey']);
    expect(out.keyVersionId).toMatch(LINE2);
    expect(h.line2.entries).toEqual([{ holder: 1, vaultHost: new URL(out.keyVersionId).host, keyName: 'acme-cmek-1', keyIdentifier: out.keyVersionId, fingerprint: fp }]);
    const k = await keyClient().getKey('acme-cmek-1');
    expect(k.properties.tags).toMatchObject({ [TAG_KEY_ID]: copy.keyId, [TAG_FINGERPRINT]: fp });
    // Tags carry identity only: no private component of the key.
    const jwk = copy.privateKey.export({ format: 'jwk' });
    expect(JSON.stringify(k.properties.tags)).not.toContain(String(jwk.d).slice(0, 24));
    expect(h.vault.record()).toMatchObject({ state: 'done', draft: draft(copy) });
    expect(JSON.stringify(h.vault.record())).not.toContain(PASS);
    // The copy was opened only in the supervised activation: four joins and the supervisor's attestation, then the import.
    const attested = h.recorded().find((e) => e.kind === 'activation.attested');
    expect(attested?.roles.sort()).toEqual(['keeper', 'knower', 'operator', 'supervisor', 'supervisor']);
    expect(h.recorded().map((e) => e.kind)).toContain('activation.completed');
  });

  it('HSM-protected: BYOK through a Key Exchange Key the app creates, then reuses', async () => {
    const copy = h.holderCopy(PASS);
    const out = await h.supervisedImport(draft(copy, { protection: 'hsm', allowEncryptDecrypt: true }), PASS);
    expect(out).toMatchObject({ hardwareProtected: true, fingerprintMatches: true, reused: false });
    expect(out.keyOps.sort()).toEqual(['decrypt', 'encrypt', 'unwrapKey', 'wrapKey']);
    const kek = await keyClient().getKey('acme-cmek-1-kek');
    expect(kek.keyType).toBe('RSA-HSM');
    expect(kek.keyOperations).toEqual(['import']);
    // A second key under the same name reuses the KEK rather than making another.
    const other = h.holderCopy(PASS);
    await h.supervisedImport(draft(other, { protection: 'hsm' }), PASS);
    expect(await versions('acme-cmek-1-kek')).toHaveLength(1);
    expect(await versions('acme-cmek-1')).toHaveLength(2);
  });

  it('resumes after a crash between the vault accepting the key and the app recording it', async () => {
    const copy = h.holderCopy(PASS);
    let accepted = '';
    await expect(
      h.supervisedImport(draft(copy, { protection: 'hsm' }), PASS, {
        onAccepted: (id) => {
          accepted = id;
          throw new Error('power cut');
        },
      }),
    ).rejects.toMatchObject({ code: 'vault.failed' });
    expect(h.line2.entries).toEqual([]);
    expect(h.vault.record()).toMatchObject({ state: 'failed', draft: draft(copy, { protection: 'hsm' }) });
    const out = await h.supervisedImport(h.vault.record()!.draft, PASS);
    expect(out).toMatchObject({ reused: true, keyVersionId: accepted, fingerprintMatches: true });
    expect(await versions('acme-cmek-1')).toHaveLength(1);
    expect(h.line2.entries.map((e) => e.keyIdentifier)).toEqual([accepted]);
  });

  it('a wrong passphrase is refused before anything reaches the vault, and the draft is kept', async () => {
    const copy = h.holderCopy(PASS);
    await expect(h.supervisedImport(draft(copy), 'wrong')).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    expect(await versions('acme-cmek-1').catch(() => [])).toEqual([]);
    expect(h.vault.record()?.draft).toEqual(draft(copy));
  });
});

describe('errors a holder can act on, each leaving the draft intact', () => {
  async function failing(d: ImportDraft, code: string): Promise<{ message: string; detail?: Record<string, unknown> }> {
    const e = (await h.supervisedImport(d, PASS).then(
      () => null,
      (x: unknown) => x,
    )) as { code: string; message: string; detail?: Record<string, unknown> } | null;
    expect(e?.code).toBe(code);
    expect(h.vault.record()).toMatchObject({ state: 'failed', draft: d, error: { code } });
    return e!;
  }

  it('no permission: names the role to ask for', async () => {
    await h.admin('DELETE', '/role-assignments', { vaultName: h.holder(1).vaultName, principalId: h.holder(1).oid });
    const e = await failing(draft(h.holderCopy(PASS)), 'vault.forbidden');
    expect(e.message).toContain('Key Vault Crypto');
    expect(e.detail?.role).toMatch(/Key Vault Crypto (Officer|User)/);
  });

  it('vault not found (wrong name on line 1)', async () => {
    const url = h.holder(1).vaultUrl.replace('holder1-vault', 'holder1-vualt');
    const e = await failing(draft(h.holderCopy(PASS), { vaultUrl: url }), 'vault.not_found');
    expect(e.message).toMatch(/line 1/);
  });

  it('soft-deleted key with the same name: offers recover or another name; recover then resumes', async () => {
    const copy = h.holderCopy(PASS);
    const first = await h.supervisedImport(draft(copy), PASS);
    await (await keyClient().beginDeleteKey('acme-cmek-1', { intervalInMs: 50 })).pollUntilDone();
    const e = await failing(draft(copy), 'vault.key_soft_deleted');
    expect(e.message).toMatch(/Recover it, or choose another key name/);
    await h.vault.recoverDeletedKey(h.holder(1).vaultUrl, 'acme-cmek-1');
    await expect(h.supervisedImport(draft(copy), PASS)).resolves.toMatchObject({ reused: true, keyVersionId: first.keyVersionId });
    // ...or another name works at once.
    await expect(h.supervisedImport(draft(copy, { keyName: 'acme-cmek-2' }), PASS)).resolves.toMatchObject({ reused: false });
  });

  it('disabled key: says how to enable it', async () => {
    const copy = h.holderCopy(PASS);
    await h.supervisedImport(draft(copy), PASS);
    await h.admin('POST', '/keys/disable', { vault: h.holder(1).vaultName, name: 'acme-cmek-1' });
    const e = await failing(draft(copy), 'vault.key_disabled');
    expect(e.message).toMatch(/Enable/);
  });

  it('token revoked mid-way: sign in again and continue with the version already imported', async () => {
    const copy = h.holderCopy(PASS);
    let accepted = '';
    const e = await h
      .supervisedImport(draft(copy), PASS, {
        onAccepted: async (id) => {
          accepted = id;
          await h.admin('POST', '/tokens/expire');
        },
      })
      .catch((x: unknown) => x as { code: string });
    expect((e as { code: string }).code).toBe('identity.sign_in_required');
    expect(h.vault.record()).toMatchObject({ state: 'failed', draft: draft(copy) });
    // The double compares whole seconds: a token issued in the revocation's own second would count as revoked.
    await new Promise((r) => setTimeout(r, 1100));
    await h.identity.signIn({ tenantId: h.holder(1).tenantId, method: 'browser' });
    await expect(h.supervisedImport(h.vault.record()!.draft, PASS)).resolves.toMatchObject({ reused: true, keyVersionId: accepted });
  });

  it('signed in to the wrong tenant: asks to sign in to the vault’s own tenant', async () => {
    const url = h.holder(2).vaultUrl;
    const e = await failing(draft(h.holderCopy(PASS), { vaultUrl: url }), 'identity.sign_in_required');
    expect(e.detail?.tenantId).toBe(h.holder(2).tenantId);
  });

  it('network faults: a dropped connection is retried with back-off and the import succeeds', async () => {
    await h.admin('POST', '/faults', { family: 'keyvault', kind: 'reset', method: 'PUT', count: 1 });
    await h.admin('POST', '/faults', { family: 'keyvault', kind: 'status', status: 503, retryAfterSeconds: 0, method: 'GET', count: 1 });
    await expect(h.supervisedImport(draft(h.holderCopy(PASS)), PASS)).resolves.toMatchObject({ fingerprintMatches: true });
  });

  it('network faults that persist: a clear message after the retries', async () => {
    // Nothing listens on port 1: every attempt is refused, as with a firewall or a dead proxy.
    const e = await failing(draft(h.holderCopy(PASS), { vaultUrl: h.holder(1).vaultUrl.replace(/:\d+$/, ':1') }), 'vault.network');
    expect(e.message).toMatch(/try again; nothing you entered is lost/);
    await h.admin('POST', '/faults', { family: 'keyvault', kind: 'status', status: 503, retryAfterSeconds: 0 });
    const busy = await failing(draft(h.holderCopy(PASS)), 'vault.unavailable');
    expect(busy.message).toMatch(/HTTP 503/);
  });

  it('a copy whose recorded fingerprint differs from the opened key is never imported', async () => {
    const copy = h.holderCopy(PASS);
    await expect(
      h.provider.importKey({ location: h.holder(1).vaultUrl, keyName: 'x', protection: 'software', privateKey: copy.privateKey, keyId: copy.keyId, fingerprint: crypto.randomBytes(32).toString('hex') }),
    ).rejects.toMatchObject({ code: 'vault.copy_mismatch' });
  });
});
