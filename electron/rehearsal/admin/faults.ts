/** Injected faults: the rehearsal's way to make Azure slow, busy or rude on purpose. */
import crypto from 'node:crypto';

export type Family = 'entra' | 'keyvault' | 'graph';

export interface FaultRule {
  id: string;
  family?: Family;
  method?: string;
  /** A regular expression matched against the request path (no query). */
  path?: string;
  /** Vault name to limit a Key Vault fault to one vault. */
  vault?: string;
  kind: 'latency' | 'status' | 'reset';
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
    if (kind !== 'latency' && kind !== 'status' && kind !== 'reset') throw new Error('kind must be latency, status or reset');
    const rule: FaultRule = { id: crypto.randomUUID(), kind };
    if (input.family !== undefined) {
      if (!['entra', 'keyvault', 'graph'].includes(input.family as string)) throw new Error('family must be entra, keyvault or graph');
      rule.family = input.family as Family;
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
