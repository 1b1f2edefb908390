/**
 * Key Vault's answers, turned into errors a key holder can act on. SDK errors
 * carry URLs, request IDs and sometimes token fragments, so they never travel
 * further than this function; only a code, a message and small facts do.
 */
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import { redact } from '../log/redact';

export type VaultOperation = 'import' | 'read' | 'create-kek' | 'self-test' | 'recover' | 'list' | 'enable' | 'disable' | 'delete' | 'read-deleted' | 'vault-properties' | 'backup';

/** The built-in Azure RBAC role each step needs (named in the no-permission message). */
const ROLE_FOR: Record<VaultOperation, string> = {
  import: 'Key Vault Crypto Officer',
  'create-kek': 'Key Vault Crypto Officer',
  recover: 'Key Vault Crypto Officer',
  read: 'Key Vault Crypto User',
  list: 'Key Vault Crypto User',
  'self-test': 'Key Vault Crypto User',
  enable: 'Key Vault Crypto Officer',
  disable: 'Key Vault Crypto Officer',
  delete: 'Key Vault Crypto Officer',
  'read-deleted': 'Key Vault Crypto Officer',
  'vault-properties': 'Reader',
  backup: 'Key Vault Crypto Officer',
};

interface RestErrorLike {
  name?: string;
  statusCode?: number;
  code?: string;
  message?: string;
  cause?: unknown;
}

const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENETDOWN|REQUEST_SEND_ERROR|UND_ERR_\w+|ESOCKETTIMEDOUT)$/;
const DNS_CODES = /^(ENOTFOUND|EAI_AGAIN|EAI_NONAME)$/;

function nodeCode(e: RestErrorLike): string {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const c = (cur as RestErrorLike).code;
    if (typeof c === 'string' && (NETWORK_CODES.test(c) || DNS_CODES.test(c))) return c;
    cur = (cur as RestErrorLike).cause;
  }
  const m = /\b(E[A-Z_]{4,})\b/.exec(String(e.message ?? ''));
  return m?.[1] ?? '';
}

export function vaultError(e: unknown, ctx: { op: VaultOperation; vault: string; keyName?: string }): KeyholderError {
  if (isKeyholderError(e)) return e as KeyholderError;
  const err = (e ?? {}) as RestErrorLike;
  const status = err.statusCode;
  const code = err.code ?? '';
  const msg = String(err.message ?? '');
  const detail = { vault: ctx.vault, ...(ctx.keyName ? { keyName: ctx.keyName } : {}), operation: ctx.op };
  const host = (() => {
    try {
      return new URL(ctx.vault).host;
    } catch {
      return ctx.vault;
    }
  })();

  const n = nodeCode(err);
  if (DNS_CODES.test(n)) {
    return new KeyholderError(
      'vault.not_found',
      `The vault ${host} could not be found (its name does not resolve). Check the vault URL on worksheet line 1 against the Azure portal (Key vault > Overview > Vault URI), and your DNS or proxy settings.`,
      detail,
    );
  }
  if (NETWORK_CODES.test(n) || (status === undefined && /socket|network|timed? ?out|ECONN/i.test(msg))) {
    return new KeyholderError('vault.network', `Key Holder could not reach ${host} after several tries (network fault). Check your connection and try again; nothing you entered is lost.`, detail);
  }
  // Another tenant's token: Key Vault answers 401 (AKV10032, invalid issuer) with a challenge naming the vault's tenant.
  if (status === 401 && /AKV10032: Invalid issuer\. Expected/i.test(msg)) {
    return new KeyholderError(
      'vault.wrong_tenant',
      `${host} belongs to another Entra tenant than the one you signed in to. Sign in to the vault's own tenant (the tenant ID on your worksheet) and continue.`,
      detail,
    );
  }
  if (status === 401) {
    return new KeyholderError('identity.sign_in_required', `The vault no longer accepts your sign-in (it expired or was revoked). Sign in again and continue; nothing you entered is lost.`, detail);
  }
  if (status === 403 && /disabled/i.test(msg + code)) {
    return new KeyholderError(
      'vault.key_disabled',
      `The key ${ctx.keyName ?? ''} in ${host} is disabled. Enable it in the Azure portal (Key vault > Keys > ${ctx.keyName ?? 'the key'} > the current version > Enabled), or choose another key name.`,
      detail,
    );
  }
  if (status === 403 && /tenant/i.test(msg) && !/not authorized/i.test(msg)) {
    return new KeyholderError(
      'vault.wrong_tenant',
      `${host} belongs to another Entra tenant than the one you signed in to. Sign in to the vault's own tenant (the tenant ID on your worksheet) and continue.`,
      detail,
    );
  }
  if (status === 403) {
    return new KeyholderError(
      'vault.forbidden',
      `Your account may not do this in ${host}: it needs the "${ROLE_FOR[ctx.op]}" role on this vault. Ask your Azure administrator to assign it (Key vault > Access control (IAM) > Add role assignment), then try again.`,
      { ...detail, role: ROLE_FOR[ctx.op] },
    );
  }
  if (status === 409 && /deleted|recover/i.test(msg + code)) {
    return new KeyholderError(
      'vault.key_soft_deleted',
      `A deleted key named ${ctx.keyName ?? ''} is still held in ${host} (soft-delete). Recover it, or choose another key name.`,
      detail,
    );
  }
  if (status === 404 && /vault/i.test(code) && !/key/i.test(code)) {
    return new KeyholderError('vault.not_found', `The vault ${host} was not found. Check the vault URL on worksheet line 1.`, detail);
  }
  if (status === 404) {
    return new KeyholderError('vault.key_not_found', `The key ${ctx.keyName ?? ''} was not found in ${host}.`, detail);
  }
  if (status === 429 || (status !== undefined && status >= 500)) {
    return new KeyholderError('vault.unavailable', `${host} is busy or unavailable right now (HTTP ${status}), even after several tries. Wait a few minutes and try again; nothing you entered is lost.`, detail);
  }
  if (status === 400) {
    return new KeyholderError('vault.rejected', `${host} refused the request (${code || 'bad request'}): ${redact(msg).slice(0, 200)}`, detail);
  }
  return new KeyholderError('vault.failed', `The vault step "${ctx.op}" did not complete. Try again; nothing you entered is lost.`, detail);
}
