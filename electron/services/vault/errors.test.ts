import { describe, expect, it } from 'vitest';
import { vaultError } from './errors';
import { checkKeyName, checkVaultUrl } from './azure-key-vault';
import { KeyholderError } from '../../../shared/errors/index';

const ctx = { op: 'import' as const, vault: 'https://v1.vault.azure.net', keyName: 'cmek-1' };
const SUFFIXES = ['.vault.azure.net', '.managedhsm.azure.net'];

describe('vault errors a holder can act on', () => {
  it('names the role when permission is missing', () => {
    const e = vaultError({ statusCode: 403, code: 'Forbidden', message: 'Caller is not authorized' }, ctx);
    expect(e.code).toBe('vault.forbidden');
    expect(e.message).toContain('Key Vault Crypto Officer');
    expect(vaultError({ statusCode: 403, code: 'Forbidden', message: 'no' }, { ...ctx, op: 'self-test' }).message).toContain('Key Vault Crypto User');
  });
  it('tells a disabled key from a missing permission', () => {
    expect(vaultError({ statusCode: 403, code: 'Forbidden', message: 'Operation unwrapKey is not allowed on a disabled key.' }, ctx).code).toBe('vault.key_disabled');
  });
  it('offers recover or another name for a soft-deleted key', () => {
    const e = vaultError({ statusCode: 409, code: 'Conflict', message: "Key cmek-1 is currently in a deleted but recoverable state" }, ctx);
    expect(e.code).toBe('vault.key_soft_deleted');
    expect(e.message).toMatch(/Recover it, or choose another key name/);
  });
  it('says the vault is not found when its name does not resolve', () => {
    const e = vaultError({ name: 'RestError', code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND v1.vault.azure.net' }, ctx);
    expect(e.code).toBe('vault.not_found');
    expect(e.message).toContain('worksheet line 1');
  });
  it('says network faults persisted after retries', () => {
    expect(vaultError({ name: 'RestError', code: 'ECONNRESET', message: 'socket hang up' }, ctx).code).toBe('vault.network');
    expect(vaultError({ statusCode: 503, message: 'busy' }, ctx).code).toBe('vault.unavailable');
  });
  it('asks to sign in again on 401', () => {
    expect(vaultError({ statusCode: 401, message: 'expired' }, ctx).code).toBe('identity.sign_in_required');
  });
  it("tells another tenant's token (401 AKV10032 invalid issuer, as Key Vault answers) from an expired sign-in", () => {
    const msg = 'AKV10032: Invalid issuer. Expected one of https://sts.windows.net/72f988bf-0000-0000-0000-000000000000/, found https://sts.windows.net/f8cdef31-0000-0000-0000-000000000000/.';
    const e = vaultError({ statusCode: 401, code: 'Unauthorized', message: msg }, ctx);
    expect(e.code).toBe('vault.wrong_tenant');
    expect(e.message).toMatch(/Sign in to the vault's own tenant/);
    expect(vaultError({ statusCode: 401, code: 'Unauthorized', message: 'AKV10032: Invalid issuer or signature.' }, ctx).code).toBe('identity.sign_in_required');
  });
  it('quotes a 400 answer only through the redactor (tokens, JWTs, URL queries never reach the page)', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJl';
    const e = vaultError({ statusCode: 400, code: 'BadParameter', message: `Bad key at https://v1.vault.azure.net/keys/k?sig=abc123 for ${jwt}` }, ctx);
    expect(e.code).toBe('vault.rejected');
    expect(e.message).toContain('Bad key at https://v1.vault.azure.net/keys/k');
    expect(e.message).not.toContain('sig=abc123');
    expect(e.message).not.toContain(jwt);
  });
  it('passes a KeyholderError through and never leaks raw text for unknown failures', () => {
    const k = new KeyholderError('identity.sign_in_required', 'x');
    expect(vaultError(k, ctx)).toBe(k);
    const e = vaultError(new Error('Bearer eyJhbGciOi.secret.token'), ctx);
    expect(e.code).toBe('vault.failed');
    expect(e.message).not.toContain('eyJ');
  });
});

describe('vault URL and key name', () => {
  it('accepts the portal Vault URI and normalises it', () => {
    expect(checkVaultUrl('https://V1.vault.azure.net/', SUFFIXES)).toBe('https://v1.vault.azure.net');
    expect(checkVaultUrl('https://h.managedhsm.azure.net', SUFFIXES)).toBe('https://h.managedhsm.azure.net');
    expect(checkVaultUrl('https://v1.vault.rehearsal.localhost:8443', ['.vault.rehearsal.localhost'])).toBe('https://v1.vault.rehearsal.localhost:8443');
  });
  it.each(['http://v1.vault.azure.net', 'v1.vault.azure.net', 'https://vault.azure.net', 'https://v1.vault.azure.net.evil.com', 'https://v1.vault.azure.net/keys/x', 'https://v1.vault.azure.cn'])('refuses %s', (u) => {
    expect(() => checkVaultUrl(u, SUFFIXES)).toThrow(expect.objectContaining({ code: 'vault.bad_url' }));
  });
  it('checks key names as Key Vault does', () => {
    expect(checkKeyName(' acme-cmek-1 ')).toBe('acme-cmek-1');
    for (const bad of ['', 'a b', 'a_b', 'é', 'x'.repeat(128)]) expect(() => checkKeyName(bad)).toThrow(expect.objectContaining({ code: 'vault.bad_key_name' }));
  });
});
