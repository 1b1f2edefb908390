/**
 * Injected faults: the rehearsal's way to make Azure and AWS slow, busy or
 * rude on purpose. For the KMS double (family "kms") `path` matches the
 * operation name (e.g. "^ImportKeyMaterial$"), and two more kinds model what
 * AWS does: "kms-error" answers with one of AWS's error codes (throttling,
 * internal errors, an expired import token), and "disable-key" disables the
 * request's key just before the operation runs (someone disabled it in the
 * console mid-ceremony): it stays disabled until enabled again.
 */
import crypto from 'node:crypto';

export type Family = 'entra' | 'keyvault' | 'graph' | 'kms';

/** AWS's codes a "kms-error" fault may answer with, and their HTTP statuses. */
export const KMS_FAULT_CODES = {
  ThrottlingException: 400,
  KMSInternalException: 500,
  DependencyTimeoutException: 503,
  ExpiredImportTokenException: 400,
  KMSInvalidStateException: 409,
} as const;
export type KmsFaultCode = keyof typeof KMS_FAULT_CODES;

export interface FaultRule {
  id: string;
  family?: Family;
  method?: string;
  /** A regular expression matched against the request path (no query). */
  path?: string;
  /** Vault name to limit a Key Vault fault to one vault. */
  vault?: string;
  kind: 'latency' | 'status' | 'reset' | 'kms-error' | 'disable-key';
  /** For "kms-error": the AWS error code answered. */
  code?: KmsFaultCode;
  latencyMs?: number;
  status?: 429 | 503;
  retryAfterSeconds?: number;
  /** How many matching requests this rule still affects; unlimited when absent. */
  remaining?: number;
}

export class FaultTable {
  private rules: FaultRule[] = [];

  add(input: Record<string, unknown>): FaultRule {
    const kind = input.kind;
    if (kind !== 'latency' && kind !== 'status' && kind !== 'reset' && kind !== 'kms-error' && kind !== 'disable-key') throw new Error('kind must be latency, status, reset, kms-error or disable-key');
    const rule: FaultRule = { id: crypto.randomUUID(), kind };
    if (input.family !== undefined) {
      if (!['entra', 'keyvault', 'graph', 'kms'].includes(input.family as string)) throw new Error('family must be entra, keyvault, graph or kms');
      rule.family = input.family as Family;
    }
    if (kind === 'kms-error' || kind === 'disable-key') {
      if (rule.family !== undefined && rule.family !== 'kms') throw new Error(`${kind} applies to the kms family only`);
      rule.family = 'kms';
    }
    if (kind === 'kms-error') {
      if (typeof input.code !== 'string' || !Object.hasOwn(KMS_FAULT_CODES, input.code)) throw new Error(`code must be one of ${Object.keys(KMS_FAULT_CODES).join(', ')}`);
      rule.code = input.code as KmsFaultCode;
    }
    if (input.method !== undefined) rule.method = String(input.method).toUpperCase();
    if (input.path !== undefined) {
      new RegExp(String(input.path));
      rule.path = String(input.path);
    }
    if (input.vault !== undefined) rule.vault = String(input.vault);
    if (kind === 'latency') {
      const ms = Number(input.latencyMs);
      if (!Number.isFinite(ms) || ms < 0 || ms > 120_000) throw new Error('latencyMs must be 0..120000');
      rule.latencyMs = ms;
    }
    if (kind === 'status') {
      if (input.status !== 429 && input.status !== 503) throw new Error('status must be 429 or 503');
      rule.status = input.status;
      rule.retryAfterSeconds = input.retryAfterSeconds === undefined ? 1 : Number(input.retryAfterSeconds);
      if (!Number.isInteger(rule.retryAfterSeconds) || rule.retryAfterSeconds < 0) throw new Error('retryAfterSeconds must be a whole number');
    }
    if (input.count !== undefined) {
      const n = Number(input.count);
      if (!Number.isInteger(n) || n < 1) throw new Error('count must be a positive whole number');
      rule.remaining = n;
    }
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  /** The first matching rule, consuming one use of it. */
  take(family: Family, method: string, path: string, vault?: string): FaultRule | undefined {
    const rule = this.rules.find(
      (r) =>
        (!r.family || r.family === family) &&
        (!r.method || r.method === method) &&
        (!r.vault || r.vault === vault) &&
        (!r.path || new RegExp(r.path).test(path)),
    );
    if (!rule) return undefined;
    if (rule.remaining !== undefined) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.remove(rule.id);
    }
    return rule;
  }
}
