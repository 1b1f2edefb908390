import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as msal from '@azure/msal-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { SecretBox } from '../platform/secret-box';
import { SecretBoxCachePlugin } from './cache-plugin';
import { checkTenant, IdentityService, signInError } from './identity-service';
import { systemClock } from '../platform/clock';
import { silentLogger } from '../log/logger';
import { memorySecretBox } from '../platform/memory-secret-box';

/** An encrypting fake of safeStorage (AES-256-GCM), switchable to unavailable. */
function fakeBox(available = true): SecretBox & { available: boolean } {
  const box: SecretBox & { available: boolean } = { ...memorySecretBox({ available: () => box.available, reason: 'the test keychain is locked' }), available };
  return box;
}

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-identity-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function ctx(serialized: string, changed: boolean) {
  let stored = '';
  return {
    ctx: {
      cacheHasChanged: changed,
      tokenCache: { serialize: () => serialized, deserialize: (s: string) => (stored = s) },
    } as unknown as msal.TokenCacheContext,
    stored: () => stored,
  };
}

describe('MSAL cache through the SecretBox', () => {
  const CACHE = JSON.stringify({ RefreshToken: { x: { secret: 'refresh-token-SECRET-1234' } } });

  it('writes only sealed bytes and reads them back', async () => {
    const file = path.join(tmp(), 'c.bin');
    const box = fakeBox();
    const p = new SecretBoxCachePlugin(box, file);
    await p.afterCacheAccess(ctx(CACHE, true).ctx);
    const raw = fs.readFileSync(file);
    expect(raw.includes(Buffer.from('refresh-token-SECRET'))).toBe(false);
    expect((fs.statSync(file).mode & 0o077) === 0).toBe(true);
    const r = ctx('', false);
    await p.beforeCacheAccess(r.ctx);
    expect(r.stored()).toBe(CACHE);
  });

  it('refuses to persist when the secret store is unavailable, and writes nothing', async () => {
    const file = path.join(tmp(), 'c.bin');
    const p = new SecretBoxCachePlugin(fakeBox(false), file);
    await expect(p.afterCacheAccess(ctx(CACHE, true).ctx)).rejects.toMatchObject({ code: 'identity.secret_store_unavailable' });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('sets aside a cache sealed by another key instead of using it', async () => {
    const file = path.join(tmp(), 'c.bin');
    await new SecretBoxCachePlugin(fakeBox(), file).afterCacheAccess(ctx(CACHE, true).ctx);
    const r = ctx('', false);
    await new SecretBoxCachePlugin(fakeBox(), file).beforeCacheAccess(r.ctx);
    expect(r.stored()).toBe('');
    expect(fs.existsSync(file)).toBe(false);
  });

  it('skips writing when nothing changed', async () => {
    const file = path.join(tmp(), 'c.bin');
    await new SecretBoxCachePlugin(fakeBox(), file).afterCacheAccess(ctx(CACHE, false).ctx);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('identity service guards', () => {
  const config = { clientId: crypto.randomUUID(), authorityHost: 'https://login.example.invalid', vaultScope: 'https://vault.azure.net/.default', graphScope: 'https://graph.microsoft.com/.default' };

  it('accepts tenant GUIDs and domains, refuses other text', () => {
    expect(checkTenant(' 72F988BF-86F1-41AF-91AB-2D7CD011DB47 ')).toBe('72f988bf-86f1-41af-91ab-2d7cd011db47');
    expect(checkTenant('contoso.onmicrosoft.com')).toBe('contoso.onmicrosoft.com');
    for (const bad of ['', 'common/../x', 'https://login.microsoftonline.com/x', 'abc']) expect(() => checkTenant(bad)).toThrow(expect.objectContaining({ code: 'identity.bad_tenant' }));
  });

  it('refuses to start a sign-in when the secret store is unavailable', async () => {
    const s = new IdentityService({ dataDir: tmp(), secretBox: fakeBox(false), clock: systemClock, log: silentLogger, config, openBrowser: async () => {} });
    await expect(s.startSignIn({ tenantId: crypto.randomUUID(), method: 'browser' })).rejects.toMatchObject({ code: 'identity.secret_store_unavailable' });
  });

  it('asks to sign in when no account exists for the tenant a vault names', async () => {
    const s = new IdentityService({ dataDir: tmp(), secretBox: fakeBox(), clock: systemClock, log: silentLogger, config });
    const t = crypto.randomUUID();
    await expect(s.credential().getToken('https://vault.azure.net/.default', { tenantId: t })).rejects.toMatchObject({ code: 'identity.sign_in_required', detail: { tenantId: t } });
    await expect(s.getToken(['x'])).rejects.toMatchObject({ code: 'identity.sign_in_required' });
  });

  it('maps MSAL errors to actionable ones', () => {
    expect(signInError(new msal.InteractionRequiredAuthError('interaction_required', 'correlation-id'), 't').code).toBe('identity.sign_in_required');
    expect(signInError(Object.assign(new Error('x'), { errorCode: 'invalid_client' }), 't').code).toBe('identity.app_not_registered');
    expect(signInError(Object.assign(new Error('x'), { errorCode: 'endpoints_resolution_error' }), 't').code).toBe('identity.unreachable');
    expect(signInError(Object.assign(new Error('x'), { errorCode: 'expired_token' }), 't').code).toBe('identity.code_expired');
    expect(signInError(new Error('weird'), 't').code).toBe('identity.failed');
  });
});
