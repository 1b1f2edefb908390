/**
 * IAM-style authorisation from a KMS key policy, the part of AWS's policy
 * evaluation a key holder's set-up relies on:
 *
 * - an explicit Deny wins; otherwise some Allow must match;
 * - a statement names principals by ARN (user, role: a role also matches its
 *   assumed-role sessions), by account (`arn:aws:iam::{account}:root` or the
 *   bare account ID: delegates to that account's IAM policies) or `*`;
 * - actions are `kms:Name` with `*` and `?` wildcards, case-insensitive;
 * - a principal of another account also needs its own IAM policy to allow
 *   the action (cross-account access needs both sides).
 *
 * Conditions, NotAction and NotPrincipal are refused as malformed: the double
 * would rather refuse a policy than evaluate it more permissively than AWS.
 */
import type { KmsPrincipal } from './state';

export class PolicyError extends Error {}

export interface Statement {
  effect: 'Allow' | 'Deny';
  principals: string[];
  actions: string[];
}

const MAX_POLICY_BYTES = 32 * 1024;

function strings(v: unknown, what: string): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v as string[];
  throw new PolicyError(`${what} must be a string or a non-empty list of strings.`);
}

export function parsePolicy(text: string): Statement[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) throw new PolicyError('The key policy is larger than 32 KB.');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new PolicyError('The key policy is not valid JSON.');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new PolicyError('The key policy must be a JSON object.');
  const d = doc as Record<string, unknown>;
  if (d.Version !== undefined && d.Version !== '2012-10-17' && d.Version !== '2008-10-17') throw new PolicyError('The policy Version must be 2012-10-17.');
  const raw = Array.isArray(d.Statement) ? d.Statement : d.Statement !== undefined ? [d.Statement] : [];
  if (raw.length === 0) throw new PolicyError('The key policy has no Statement.');
  return raw.map((s: unknown, i) => {
    if (!s || typeof s !== 'object') throw new PolicyError(`Statement ${i + 1} is not an object.`);
    const st = s as Record<string, unknown>;
    for (const k of ['Condition', 'NotAction', 'NotPrincipal', 'NotResource']) {
      if (st[k] !== undefined) throw new PolicyError(`Statement ${i + 1} uses ${k}, which the rehearsal double does not evaluate.`);
    }
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') throw new PolicyError(`Statement ${i + 1} must have Effect Allow or Deny.`);
    let principals: string[];
    if (st.Principal === '*') principals = ['*'];
    else if (st.Principal && typeof st.Principal === 'object' && !Array.isArray(st.Principal) && 'AWS' in st.Principal) principals = strings((st.Principal as { AWS: unknown }).AWS, `Statement ${i + 1} Principal.AWS`);
    else throw new PolicyError(`Statement ${i + 1} must name a Principal ("*" or {"AWS": ...}).`);
    for (const p of principals) {
      if (p !== '*' && !/^\d{12}$/.test(p) && !/^arn:aws(-[a-z]+)*:iam::\d{12}:(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)$/.test(p)) {
        throw new PolicyError(`Statement ${i + 1} has an invalid principal ${JSON.stringify(p)}.`);
      }
    }
    const actions = strings(st.Action, `Statement ${i + 1} Action`);
    for (const a of actions) if (a !== '*' && !/^kms:[A-Za-z*?]+$/i.test(a)) throw new PolicyError(`Statement ${i + 1} has an invalid action ${JSON.stringify(a)}.`);
    const resources = strings(st.Resource, `Statement ${i + 1} Resource`);
    // In a key policy "*" means "this key"; anything else is a mistake the holder should hear about.
    if (resources.some((r) => r !== '*')) throw new PolicyError(`Statement ${i + 1}: in a key policy Resource must be "*".`);
    return { effect: st.Effect, principals, actions };
  });
}

function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(action);
}

function identityAllows(caller: KmsPrincipal, action: string): boolean {
  return caller.identityAllows.some((p) => actionMatches(p, action));
}

type Match = 'direct' | 'account' | null;

function principalMatch(p: string, caller: KmsPrincipal): Match {
  if (p === '*') return 'direct';
  if (p === caller.accountId || p.endsWith(`:iam::${caller.accountId}:root`)) return 'account';
  return p === caller.arn ? 'direct' : null;
}

/** May this caller perform `action` (e.g. kms:Decrypt) on a key in `keyAccount` with this policy? */
export function isAllowed(statements: Statement[], caller: KmsPrincipal, keyAccount: string, action: string): boolean {
  let allowed = false;
  for (const s of statements) {
    if (!s.actions.some((a) => actionMatches(a, action))) continue;
    const matches = s.principals.map((p) => principalMatch(p, caller)).filter((m): m is 'direct' | 'account' => m !== null);
    if (matches.length === 0) continue;
    if (s.effect === 'Deny') return false;
    for (const m of matches) {
      // The account principal hands the decision to the caller's IAM policy; a principal of another account needs it too.
      if (m === 'account' || caller.accountId !== keyAccount) {
        if (identityAllows(caller, action)) allowed = true;
      } else allowed = true;
    }
  }
  return allowed;
}
