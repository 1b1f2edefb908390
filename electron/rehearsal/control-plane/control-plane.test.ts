import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  discoverySchema,
  environmentStatusSchema,
  registrationSchema,
  submissionReceiptSchema,
  apiErrorSchema,
  credentialUpdateReceiptSchema,
  type ValidationFailure,
} from '../../../shared/control-plane/api';
import { ADMIN, address, guid, manualScheduler, sealIndependently, setupEnvironment, startHarness, submit, type Harness } from './testing/harness';
import { FakeKeyStores, keyVersion } from './testing/fake-key-stores';

let h: Harness;
const sched = manualScheduler();
beforeAll(async () => {
  h = await startHarness({ scheduler: sched });
});
afterAll(async () => {
  await h?.close();
});

function codes(json: unknown): string[] {
  const err = apiErrorSchema.parse(json);
  return (err.error.failures ?? []).map((f) => `${f.code}@${f.holder}:${f.worksheetLine}`);
}

describe('discovery', () => {
  it('publishes the sealing key, its fingerprint and the supported versions', async () => {
    const r = await h.api('GET', '/.well-known/keyholder-control-plane');
    expect(r.status).toBe(200);
    const d = discoverySchema.parse(r.json);
    const raw = Buffer.from(d.sealing.publicKey, 'base64url');
    expect(raw.length).toBe(32);
    expect(d.sealing.fingerprint).toBe(`sha256:${createHash('sha256').update(raw).digest('hex')}`);
    expect(d.apiVersions).toContain('2026-11-01');
    expect(d.controlPlaneId).toBe('cp-test');
  });
});

describe('enrolment tokens', () => {
  it('only the vendor admin can issue them', async () => {
    expect((await h.api('POST', '/admin/enrolments', { environmentId: 'env-a', holder: 1 })).status).toBe(401);
    expect((await h.api('POST', '/admin/enrolments', { environmentId: 'env-a', holder: 1 }, 'not-the-admin')).status).toBe(401);
    const ok = await h.api('POST', '/admin/enrolments', { environmentId: 'env-a', holder: 1 }, ADMIN);
    expect(ok.status).toBe(201);
    expect(ok.json.token).toMatch(/^khe1\./);
  });

  it('authenticates the holder and refuses a wrong, altered or missing token', async () => {
    const ok = await h.api('POST', '/admin/enrolments', { environmentId: 'env-b', holder: 2 }, ADMIN);
    const token = ok.json.token as string;
    const me = await h.api('GET', '/v1/enrolment', undefined, token);
    expect(me.json).toEqual({ enrolmentId: ok.json.enrolmentId, environmentId: 'env-b', holder: 2 });
    const altered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const bad of [altered, 'khe1.nope.' + 'x'.repeat(43), 'garbage', null]) {
      const r = await h.api('GET', '/v1/enrolment', undefined, bad);
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('enrolment_token_invalid');
    }
    // The admin token is not a holder token.
    expect((await h.api('GET', '/v1/status', undefined, ADMIN)).status).toBe(401);
  });
});

describe('vault DNS registration', () => {
  it('goes pending -> registered or rejected by the vendor, visible only to its holder', async () => {
    const e1 = (await h.api('POST', '/admin/enrolments', { environmentId: 'env-reg', holder: 1 }, ADMIN)).json.token;
    const e2 = (await h.api('POST', '/admin/enrolments', { environmentId: 'env-reg', holder: 2 }, ADMIN)).json.token;
    const req = await h.api('POST', '/v1/registrations', { vaultDnsName: 'RegVault1.vault.azure.net' }, e1);
    expect(req.status).toBe(201);
    const reg = registrationSchema.parse(req.json);
    expect(reg).toMatchObject({ status: 'pending', holder: 1, vaultDnsName: 'regvault1.vault.azure.net' });
    expect((await h.api('GET', `/v1/registrations/${reg.registrationId}`, undefined, e2)).status).toBe(404);
    expect((await h.api('POST', `/admin/registrations/${reg.registrationId}/approve`, {}, e1)).status).toBe(401);
    const approved = await h.api('POST', `/admin/registrations/${reg.registrationId}/approve`, {}, ADMIN);
    expect(approved.json.status).toBe('registered');
    expect((await h.api('GET', `/v1/registrations/${reg.registrationId}`, undefined, e1)).json.status).toBe('registered');
    expect((await h.api('POST', `/admin/registrations/${reg.registrationId}/reject`, { reason: 'late' }, ADMIN)).status).toBe(409);

    const req2 = await h.api('POST', '/v1/registrations', { vaultDnsName: 'regvault2.vault.azure.net' }, e2);
    const rejected = await h.api('POST', `/admin/registrations/${req2.json.registrationId}/reject`, { reason: 'Not the vault on the support ticket' }, ADMIN);
    expect(rejected.json).toMatchObject({ status: 'rejected', reason: 'Not the vault on the support ticket' });
    expect((await h.api('GET', '/v1/registrations', undefined, e2)).json.registrations).toHaveLength(1);
  });

  it('refuses a malformed DNS name and a vault already registered for another environment', async () => {
    const t = (await h.api('POST', '/admin/enrolments', { environmentId: 'env-reg-2', holder: 1 }, ADMIN)).json.token;
    expect((await h.api('POST', '/v1/registrations', { vaultDnsName: 'https://x/ y' }, t)).status).toBe(400);
    const r = await h.api('POST', '/v1/registrations', { vaultDnsName: 'regvault1.vault.azure.net' }, t);
    expect(r.status).toBe(409);
    expect(codes(r.json)).toEqual(['vault_used_by_other_environment@1:1']);
  });
});

describe('sealed key-store submission', () => {
  it('validates a correct pair into an Available primary key, with receipts hashing the exact body', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'env-ok');
    const env1 = JSON.stringify(await sealIndependently(discovery, address(discovery, 'env-ok', holders[0]), holders[0].record));
    const r1 = await h.api('POST', '/v1/key-stores', env1, holders[0].token);
    expect(r1.status).toBe(201);
    const receipt1 = submissionReceiptSchema.parse(r1.json);
    expect(receipt1.envelopeSha256).toBe(createHash('sha256').update(env1).digest('hex'));
    expect(receipt1.validation.state).toBe('waiting_for_other_holder');
    const r2 = await submit(h, discovery, 'env-ok', holders[1]);
    expect(r2.status).toBe(201);
    expect(r2.json.validation).toMatchObject({ state: 'validated', failures: [] });
    const st = environmentStatusSchema.parse((await h.api('GET', '/v1/status', undefined, holders[0].token)).json);
    expect(st.primaryKey?.status).toBe('Available');
    expect(st.primaryKey?.keyStores.map((k) => k.health)).toEqual(['healthy', 'healthy']);
    // The client secret is never echoed back.
    expect(JSON.stringify(st)).not.toContain(holders[0].record.clientSecret);
    // Both vaults really unwrapped: the proof reached vault 1 and vault 2.
    expect(h.stores.calls).toEqual(expect.arrayContaining([`unwrap ${holders[0].record.vaultDnsName}`, `unwrap ${holders[1].record.vaultDnsName}`]));
  });

  it('rejects a tampered envelope', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'env-tamper');
    const env = await sealIndependently(discovery, address(discovery, 'env-tamper', holders[0]), holders[0].record);
    const ct = Buffer.from(env.ciphertext as string, 'base64url');
    ct[5] = ct[5]! ^ 0x01;
    const r = await h.api('POST', '/v1/key-stores', { ...env, ciphertext: ct.toString('base64url') }, holders[0].token);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('envelope_unreadable');
    const enc = Buffer.from(env.enc as string, 'base64url');
    enc[0] = enc[0]! ^ 0x80;
    expect((await h.api('POST', '/v1/key-stores', { ...env, enc: enc.toString('base64url') }, holders[0].token)).json.error.code).toBe('envelope_unreadable');
    expect((await h.api('GET', '/v1/status', undefined, holders[0].token)).json.submitted.holder1).toBe(false);
  });

  it('rejects a mis-addressed envelope: other holder, other environment, other control plane, other purpose, wrong record', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'env-misaddr');
    const [a, b] = holders;
    // Holder 2's envelope presented with holder 1's token.
    const forB = await sealIndependently(discovery, address(discovery, 'env-misaddr', b), b.record);
    expect((await h.api('POST', '/v1/key-stores', forB, a.token)).json.error.code).toBe('envelope_misaddressed');
    // The same, with the header rewritten to claim holder 1: the AAD still binds holder 2, so it cannot be opened.
    const relabelled = await sealIndependently(discovery, address(discovery, 'env-misaddr', b), { ...b.record, holder: 1 }, { enrolmentId: a.enrolmentId, holder: 1 });
    expect((await h.api('POST', '/v1/key-stores', relabelled, a.token)).json.error.code).toBe('envelope_unreadable');
    // Sealed for another environment's enrolment but labelled as this one.
    const otherEnv = await sealIndependently(discovery, { ...address(discovery, 'env-misaddr', a), environmentId: 'env-elsewhere' }, a.record, { environmentId: 'env-misaddr' });
    expect((await h.api('POST', '/v1/key-stores', otherEnv, a.token)).json.error.code).toBe('envelope_unreadable');
    // Sealed (info) for another control plane but labelled as this one.
    const otherCp = await sealIndependently(discovery, { ...address(discovery, 'env-misaddr', a), controlPlaneId: 'cp-other' }, a.record, { controlPlaneId: 'cp-test' });
    expect((await h.api('POST', '/v1/key-stores', otherCp, a.token)).json.error.code).toBe('envelope_unreadable');
    const labelledOtherCp = await sealIndependently(discovery, address(discovery, 'env-misaddr', a), a.record, { controlPlaneId: 'cp-other' });
    expect((await h.api('POST', '/v1/key-stores', labelledOtherCp, a.token)).status).toBe(421);
    // A credential-update envelope replayed as a submission.
    const asUpdate = await sealIndependently(discovery, address(discovery, 'env-misaddr', a, 'credential-update'), a.record, { purpose: 'key-store-submission' });
    expect((await h.api('POST', '/v1/key-stores', asUpdate, a.token)).json.error.code).toBe('envelope_unreadable');
    // Properly sealed under holder 1's enrolment, but the record inside claims holder 2.
    const wrongRecord = await sealIndependently(discovery, address(discovery, 'env-misaddr', a), { ...a.record, holder: 2 });
    const wr = await h.api('POST', '/v1/key-stores', wrongRecord, a.token);
    expect(wr.status).toBe(403);
    expect(wr.json.error.code).toBe('envelope_misaddressed');
  });

  it('rejects an envelope sealed to another key, naming the changed key when the fingerprint differs', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'env-key');
    const other = new Uint8Array(32).fill(9);
    const { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256, Aes256Gcm } = await import('@hpke/core');
    const s = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
    const pair = await s.kem.deriveKeyPair(other);
    const otherPub = new Uint8Array(await s.kem.serializePublicKey(pair.publicKey));
    const wrongKey = await sealIndependently(discovery, address(discovery, 'env-key', holders[0]), holders[0].record, {}, otherPub);
    const r = await h.api('POST', '/v1/key-stores', wrongKey, holders[0].token);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('sealing_key_mismatch');
    const lying = await sealIndependently(discovery, address(discovery, 'env-key', holders[0]), holders[0].record, { keyFingerprint: discovery.sealing.fingerprint }, otherPub);
    expect((await h.api('POST', '/v1/key-stores', lying, holders[0].token)).json.error.code).toBe('envelope_unreadable');
  });

  it('refuses without a valid enrolment token, and refuses non-envelopes and invalid records with the line at fault', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'env-auth');
    const env = await sealIndependently(discovery, address(discovery, 'env-auth', holders[0]), holders[0].record);
    expect((await h.api('POST', '/v1/key-stores', env, null)).status).toBe(401);
    expect((await h.api('POST', '/v1/key-stores', env, holders[0].token.slice(0, -2) + 'zz')).status).toBe(401);
    expect((await h.api('POST', '/v1/key-stores', 'not json', holders[0].token)).json.error.code).toBe('envelope_malformed');
    expect((await h.api('POST', '/v1/key-stores', { ...env, apiVersion: '1999-01-01' }, holders[0].token)).json.error.code).toBe('api_version_unsupported');
    const bad = await submit(h, discovery, 'env-auth', holders[0], { ...holders[0].record, applicationId: 'not-a-guid' });
    expect(bad.status).toBe(422);
    expect(codes(bad.json)).toEqual(['value_malformed@1:3']);
  });
});

async function pairFailures(envId: string, mutate: (s: Awaited<ReturnType<typeof setupEnvironment>>) => void | Promise<void>, o: Parameters<typeof setupEnvironment>[2] = {}): Promise<ValidationFailure[]> {
  const s = await setupEnvironment(h, envId, o);
  await mutate(s);
  const r1 = await submit(h, s.discovery, envId, s.holders[0]);
  if (r1.status !== 201) return apiErrorSchema.parse(r1.json).error.failures ?? [];
  const r2 = await submit(h, s.discovery, envId, s.holders[1]);
  if (r2.status !== 201) return apiErrorSchema.parse(r2.json).error.failures ?? [];
  expect(r2.json.validation.state).not.toBe('waiting_for_other_holder');
  return r2.json.validation.failures;
}
const short = (fs: ValidationFailure[]) => fs.map((f) => `${f.code}@${f.holder}:${f.worksheetLine}`).sort();

describe('pair validation failures name the holder and worksheet line', () => {
  it('vault not registered, pending or rejected', async () => {
    expect(short(await pairFailures('env-unreg', () => {}, { register: false }))).toEqual(['vault_not_registered@1:1', 'vault_not_registered@2:1']);
    const pend = await pairFailures(
      'env-pend',
      async (s) => {
        const r1 = await h.api('POST', '/v1/registrations', { vaultDnsName: s.holders[0].record.vaultDnsName }, s.holders[0].token);
        await h.api('POST', `/admin/registrations/${r1.json.registrationId}/approve`, {}, ADMIN);
        await h.api('POST', '/v1/registrations', { vaultDnsName: s.holders[1].record.vaultDnsName }, s.holders[1].token);
      },
      { register: false },
    );
    expect(short(pend)).toEqual(['vault_registration_pending@2:1']);
    const rej = await pairFailures('env-rej', async (s) => {
      s.holders[0].record.vaultDnsName = s.holders[0].record.vaultDnsName.replace('-h1-', '-h1x-');
      s.holders[0].record.keyIdentifier = h.stores.addVaultKey(s.holders[0].record.vaultDnsName, keyVersion(), s.key);
      const r = await h.api('POST', '/v1/registrations', { vaultDnsName: s.holders[0].record.vaultDnsName }, s.holders[0].token);
      await h.api('POST', `/admin/registrations/${r.json.registrationId}/reject`, { reason: 'unknown vault' }, ADMIN);
    });
    expect(short(rej)).toEqual(['vault_registration_rejected@1:1']);
  });

  it('same vault, same key identifier, same application ID, same secret', async () => {
    const same = await pairFailures('env-same', (s) => {
      const [a, b] = s.holders;
      h.stores.apps.set(b.record.applicationId, { tenantId: b.record.tenantId, secret: a.record.clientSecret });
      b.record.clientSecret = a.record.clientSecret;
      b.record.applicationId = a.record.applicationId;
    });
    expect(short(same)).toEqual(['application_ids_same@2:3', 'client_secrets_same@2:4']);
    const sameVault = await pairFailures('env-samevault', (s) => {
      s.holders[1].record.vaultDnsName = s.holders[0].record.vaultDnsName;
      s.holders[1].record.keyIdentifier = s.holders[0].record.keyIdentifier;
    });
    expect(short(sameVault)).toEqual(expect.arrayContaining(['vault_names_same@2:1', 'key_identifiers_same@2:2']));
  });

  it('a key identifier outside the vault on line 1 is refused at submission', async () => {
    const f = await pairFailures('env-wrongvault', (s) => {
      s.holders[0].record.keyIdentifier = `https://elsewhere.vault.azure.net/keys/primary/${keyVersion()}`;
    });
    expect(short(f)).toEqual(['key_identifier_wrong_vault@1:2']);
  });

  it('an expiry date in the past is refused', async () => {
    const f = await pairFailures('env-expired-date', (s) => {
      s.holders[1].record.secretExpiresOn = '2020-01-01T00:00:00Z';
    });
    expect(short(f)).toEqual(['secret_expired@2:null']);
  });

  it('Entra ID failures: unknown tenant, unknown application, refused secret, expired secret', async () => {
    expect(short(await pairFailures('env-tenant', (s) => void h.stores.tenants.delete(s.holders[0].record.tenantId)))).toEqual(['tenant_not_found@1:null']);
    expect(short(await pairFailures('env-app', (s) => void h.stores.apps.delete(s.holders[1].record.applicationId)))).toEqual(['application_not_found@2:3']);
    expect(short(await pairFailures('env-secret', (s) => void (s.holders[0].record.clientSecret = 'Wrong~secret-value-123')))).toEqual(['client_secret_rejected@1:4']);
    expect(
      short(
        await pairFailures('env-secret-exp', (s) => {
          h.stores.apps.get(s.holders[1].record.applicationId)!.expired = true;
        }),
      ),
    ).toEqual(['secret_expired@2:4']);
  });

  it('Key Vault failures: unreachable vault, missing key version, disabled key', async () => {
    expect(short(await pairFailures('env-unreach', (s) => void h.stores.unreachable.add(s.holders[0].record.vaultDnsName)))).toEqual(['vault_unreachable@1:1']);
    expect(
      short(
        await pairFailures('env-nokey', (s) => {
          s.holders[1].record.keyIdentifier = s.holders[1].record.keyIdentifier.replace(/[0-9a-f]{32}$/, keyVersion());
        }),
      ),
    ).toEqual(['key_not_found@2:2']);
    expect(short(await pairFailures('env-disabled', (s) => h.stores.setEnabled(s.holders[1].record.keyIdentifier, false)))).toEqual(['key_access_denied@2:2']);
  });

  it('different keys in the two vaults', async () => {
    expect(short(await pairFailures('env-diff', () => {}, { sameKey: false }))).toEqual(['public_keys_differ@1:2', 'public_keys_differ@2:2']);
  });

  it('a vault whose private key does not match its public key fails the unwrap proof', async () => {
    const f = await pairFailures('env-liar', (s) => {
      // Vault 2 shows the shared public key but holds some other private key.
      const liar = FakeKeyStores.rsaKey();
      const k = h.stores.vaults.get(s.holders[1].record.vaultDnsName)!.get(s.holders[1].record.keyIdentifier)!;
      k.privateKey = liar.privateKey;
    });
    expect(f.length).toBeGreaterThan(0);
    expect(new Set(f.map((x) => `${x.code}@${x.holder}:${x.worksheetLine}`))).toEqual(new Set(['unwrap_failed@2:2']));
  });

  it('a key identifier used before, and a vault used by another environment', async () => {
    const first = await setupEnvironment(h, 'env-first');
    expect((await submit(h, first.discovery, 'env-first', first.holders[0])).status).toBe(201);
    expect((await submit(h, first.discovery, 'env-first', first.holders[1])).json.validation.state).toBe('validated');
    // The same key stores submitted again for a new primary key in the same environment.
    const again = await submit(h, first.discovery, 'env-first', first.holders[0]);
    expect(again.status).toBe(422);
    expect(codes(again.json)).toEqual(['key_identifier_used_before@1:2']);
    // Another environment whose holder 1 uses env-first's vault 1 with a fresh key version.
    const second = await setupEnvironment(h, 'env-second', { register: false });
    second.holders[0].record.vaultDnsName = first.holders[0].record.vaultDnsName;
    second.holders[0].record.keyIdentifier = h.stores.addVaultKey(first.holders[0].record.vaultDnsName, keyVersion(), second.key, 'other');
    const r = await submit(h, second.discovery, 'env-second', second.holders[0]);
    expect(r.status).toBe(422);
    expect(codes(r.json)).toEqual(['vault_used_by_other_environment@1:1']);
  });
});

describe('primary key status', () => {
  it('follows revocation and reachability, on demand and on the periodic check', async () => {
    const s = await setupEnvironment(h, 'env-status');
    await submit(h, s.discovery, 'env-status', s.holders[0]);
    expect((await submit(h, s.discovery, 'env-status', s.holders[1])).json.validation.state).toBe('validated');
    const [a, b] = s.holders;
    const refresh = async () => environmentStatusSchema.parse((await h.api('POST', '/v1/status/refresh', undefined, a.token)).json).primaryKey!;

    h.stores.setEnabled(a.record.keyIdentifier, false);
    const pk1 = await refresh();
    expect(pk1.status).toBe('Key Store 1 Revoked');
    expect(pk1.keyStores[0]).toMatchObject({ health: 'revoked', reason: expect.stringContaining('403') });
    h.stores.setEnabled(b.record.keyIdentifier, false);
    expect((await refresh()).status).toBe('Both Key Stores Revoked');
    h.stores.setEnabled(a.record.keyIdentifier, true);
    expect((await refresh()).status).toBe('Key Store 2 Revoked');
    h.stores.setEnabled(b.record.keyIdentifier, true);
    expect((await refresh()).status).toBe('Available');
    h.stores.apps.get(b.record.applicationId)!.expired = true;
    const un = await refresh();
    expect(un.status).toBe('Unavailable');
    expect(un.keyStores[1]).toMatchObject({ health: 'unreachable', reason: 'client secret expired' });
    h.stores.apps.get(b.record.applicationId)!.expired = false;

    // Periodic: the status changes only when the injected timer fires.
    h.stores.unreachable.add(a.record.vaultDnsName);
    expect((await h.api('GET', '/v1/status', undefined, a.token)).json.primaryKey.status).toBe('Unavailable');
    await refresh();
    h.stores.unreachable.delete(a.record.vaultDnsName);
    expect((await h.api('GET', '/v1/status', undefined, a.token)).json.primaryKey.status).toBe('Unavailable');
    expect(sched.active()).toBe(1);
    sched.tick();
    await expect.poll(async () => (await h.api('GET', '/v1/status', undefined, a.token)).json.primaryKey.status).toBe('Available');
    // The vendor's admin sees the same.
    expect((await h.api('GET', '/admin/environments/env-status', undefined, ADMIN)).json.primaryKey.status).toBe('Available');
  });
});

describe('credential update', () => {
  it('accepts a new secret (and application ID) only after they work against the vault', async () => {
    const s = await setupEnvironment(h, 'env-rotate');
    await submit(h, s.discovery, 'env-rotate', s.holders[0]);
    await submit(h, s.discovery, 'env-rotate', s.holders[1]);
    const a = s.holders[0];
    const upd = (payload: unknown, purpose: 'credential-update' | 'key-store-submission' = 'credential-update') =>
      sealIndependently(s.discovery, address(s.discovery, 'env-rotate', a, purpose), payload).then((e) => h.api('POST', '/v1/key-stores/credentials', e, a.token));

    const app = h.stores.apps.get(a.record.applicationId)!;
    const wrong = await upd({ holder: 1, clientSecret: 'New~secret-not-yet-valid', secretExpiresOn: '2028-01-01T00:00:00Z' });
    expect(wrong.status).toBe(422);
    expect(codes(wrong.json)).toEqual(['client_secret_rejected@1:4']);

    app.secret = 'New~secret-now-in-entra-0001';
    const ok = await upd({ holder: 1, clientSecret: app.secret, secretExpiresOn: '2028-01-01T00:00:00Z' });
    expect(ok.status).toBe(200);
    expect(credentialUpdateReceiptSchema.parse(ok.json).verified).toBe(true);
    // The control plane now uses the new secret: the status check still reaches vault 1.
    const st = await h.api('POST', '/v1/status/refresh', undefined, a.token);
    expect(st.json.primaryKey.status).toBe('Available');

    // A new application ID must come with its secret, and must not be the other holder's.
    const clash = await upd({ holder: 1, applicationId: s.holders[1].record.applicationId, clientSecret: 'Another~secret-value-02', secretExpiresOn: '2028-01-01T00:00:00Z' });
    expect(codes(clash.json)).toEqual(['application_ids_same@1:3']);
    const newApp = guid();
    h.stores.apps.set(newApp, { tenantId: a.record.tenantId, secret: 'Fresh~app-secret-000000003' });
    const moved = await upd({ holder: 1, applicationId: newApp, clientSecret: 'Fresh~app-secret-000000003', secretExpiresOn: '2028-06-01T00:00:00Z' });
    expect(moved.status).toBe(200);
    // A submission envelope cannot be replayed as a credential update.
    const replay = await upd({ holder: 1, clientSecret: 'Fresh~app-secret-000000003', secretExpiresOn: '2028-06-01T00:00:00Z' }, 'key-store-submission');
    expect(replay.status).toBe(400);
  });

  it('refuses an update before anything was submitted', async () => {
    const s = await setupEnvironment(h, 'env-rotate-empty');
    const e = await sealIndependently(s.discovery, address(s.discovery, 'env-rotate-empty', s.holders[0], 'credential-update'), {
      holder: 1,
      clientSecret: 'Some~secret-value-000000001',
      secretExpiresOn: '2028-01-01T00:00:00Z',
    });
    const r = await h.api('POST', '/v1/key-stores/credentials', e, s.holders[0].token);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('nothing_to_update');
  });
});

describe('durability', () => {
  it('keeps its sealing key, registrations and primary keys across a restart', async () => {
    const before = (await h.api('GET', '/.well-known/keyholder-control-plane')).json;
    const status = (await h.api('GET', '/admin/environments/env-ok', undefined, ADMIN)).json;
    const h2 = await startHarness({ dataDir: h.dataDir, stores: h.stores });
    try {
      expect((await h2.api('GET', '/.well-known/keyholder-control-plane')).json.sealing).toEqual(before.sealing);
      expect((await h2.api('GET', '/admin/environments/env-ok', undefined, ADMIN)).json).toEqual(status);
      expect((await h2.api('GET', '/admin/registrations', undefined, ADMIN)).json.registrations.length).toBeGreaterThan(5);
    } finally {
      await h2.close();
    }
  });
});
