/**
 * The rehearsal administrator's API: loopback only and off unless enabled.
 * It moves the clock, injects faults, expires tokens, disables keys behind
 * the app's back and creates extra vaults (e.g. without soft delete).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloudContext } from '../context';
import { isLoopback, readBody, sendJson } from '../http';
import { newVault } from '../state';
import type { FaultTable } from './faults';

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req)).toString('utf8');
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw new AdminError(400, 'The body must be a JSON object.');
}

function clockView(ctx: CloudContext): Record<string, unknown> {
  return { now: ctx.now().toISOString(), offsetMs: ctx.state.clockOffsetMs };
}

export async function handleAdmin(ctx: CloudContext, faults: FaultTable, enabled: boolean, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const path = url.pathname;
  if (!path.startsWith('/admin/') && path !== '/admin') return false;
  try {
    if (!enabled) throw new AdminError(404, 'The rehearsal admin API is off. Start the cloud with adminEnabled (CLI: --admin) to use it.');
    if (!isLoopback(req.socket.remoteAddress)) throw new AdminError(403, 'The rehearsal admin API answers loopback callers only.');
    const m = req.method ?? 'GET';
    const s = ctx.state;
    const seg = path.split('/').filter(Boolean).slice(1);
    const route = `${m} /${seg.join('/')}`;
    if (route === 'GET /state') {
      return (
        sendJson(res, 200, {
          clock: clockView(ctx),
          tenants: s.tenants,
          vaults: s.vaults.map((v) => ({ name: v.name, tenantId: v.tenantId, softDelete: v.softDelete, purgeProtection: v.purgeProtection, retentionDays: v.retentionDays, keys: Object.keys(v.keys), deletedKeys: Object.keys(v.deletedKeys) })),
          faults: faults.list(),
          maxPasswordLifetime: s.maxPasswordLifetime,
        }),
        true
      );
    }
    if (route === 'POST /clock') {
      const b = await body(req);
      if (typeof b.offsetMs === 'number') s.clockOffsetMs = b.offsetMs;
      else if (typeof b.advanceMs === 'number') s.clockOffsetMs += b.advanceMs;
      else if (typeof b.now === 'string' && !Number.isNaN(Date.parse(b.now))) s.clockOffsetMs += Date.parse(b.now) - ctx.now().getTime();
      else throw new AdminError(400, 'Give offsetMs, advanceMs (numbers) or now (an ISO date).');
      ctx.store.save();
      return sendJson(res, 200, clockView(ctx)), true;
    }
    if (route === 'GET /faults') return sendJson(res, 200, { faults: faults.list() }), true;
    if (route === 'POST /faults') {
      try {
        return sendJson(res, 201, faults.add(await body(req))), true;
      } catch (e) {
        if (e instanceof AdminError) throw e;
        throw new AdminError(400, (e as Error).message);
      }
    }
    if (route === 'DELETE /faults') return faults.clear(), sendJson(res, 204, undefined), true;
    if (m === 'DELETE' && seg[0] === 'faults' && seg.length === 2) {
      if (!faults.remove(seg[1]!)) throw new AdminError(404, 'No such fault.');
      return sendJson(res, 204, undefined), true;
    }
    if (route === 'POST /tokens/expire') {
      s.tokensNotBefore = ctx.now().getTime();
      ctx.store.save();
      return sendJson(res, 200, { tokensNotBefore: new Date(s.tokensNotBefore).toISOString() }), true;
    }
    if (route === 'POST /token-lifetime') {
      const b = await body(req);
      const sec = Number(b.seconds);
      if (!Number.isInteger(sec) || sec < 1) throw new AdminError(400, 'seconds must be a positive whole number.');
      ctx.tokenLifetimeSeconds = sec;
      return sendJson(res, 200, { seconds: sec }), true;
    }
    if (route === 'POST /vaults') {
      const b = await body(req);
      const name = String(b.name ?? '');
      if (!/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/.test(name) || name.includes('--')) throw new AdminError(400, 'A vault name has 3-24 letters, digits and single dashes, starting with a letter.');
      if (s.vaults.some((v) => v.name.toLowerCase() === name.toLowerCase())) throw new AdminError(409, `Vault ${name} already exists.`);
      const tenant = s.tenants.find((t) => t.id === b.tenantId);
      if (!tenant) throw new AdminError(400, 'tenantId must be one of the rehearsal tenants.');
      const softDelete = b.softDelete !== false;
      const purgeProtection = softDelete && b.purgeProtection === true;
      const retentionDays = b.retentionDays === undefined ? 90 : Number(b.retentionDays);
      if (!Number.isInteger(retentionDays) || retentionDays < 7 || retentionDays > 90) throw new AdminError(400, 'retentionDays must be 7 to 90.');
      s.vaults.push(newVault(name.toLowerCase(), tenant.id, { softDelete, purgeProtection, retentionDays }));
      // By default the tenant's own key holder and app may use the new vault, like the seeded ones.
      const principals = Array.isArray(b.principals)
        ? (b.principals as unknown[]).map(String)
        : [...s.users.filter((u) => u.tenantId === tenant.id).map((u) => u.oid), ...s.apps.filter((a) => a.tenantId === tenant.id).map((a) => a.appId)];
      for (const p of principals) s.roleAssignments.push({ vaultName: name.toLowerCase(), principalId: p, role: 'Key Vault Crypto Officer' });
      ctx.store.save();
      return sendJson(res, 201, { name: name.toLowerCase(), url: `https://${name.toLowerCase()}.vault.rehearsal.localhost:${ctx.port()}`, tenantId: tenant.id, softDelete, purgeProtection, retentionDays }), true;
    }
    if (route === 'POST /keys/disable' || route === 'POST /keys/enable') {
      const b = await body(req);
      const vault = s.vaults.find((v) => v.name === String(b.vault ?? '').toLowerCase());
      const keyName = vault && Object.keys(vault.keys).find((k) => k.toLowerCase() === String(b.name ?? '').toLowerCase());
      if (!vault || !keyName) throw new AdminError(404, 'No such vault or key.');
      const key = vault.keys[keyName]!;
      const versions = b.version ? key.versions.filter((v) => v.version === b.version) : key.versions;
      if (!versions.length) throw new AdminError(404, 'No such key version.');
      // Behind the app's back: the "updated" time is left alone on purpose.
      for (const v of versions) v.attributes.enabled = route.endsWith('enable');
      ctx.store.save();
      return sendJson(res, 200, { vault: vault.name, name: keyName, versions: versions.map((v) => v.version), enabled: route.endsWith('enable') }), true;
    }
    if (route === 'POST /role-assignments' || route === 'DELETE /role-assignments') {
      const b = await body(req);
      const vaultName = String(b.vaultName ?? '');
      const principalId = String(b.principalId ?? '');
      if (!s.vaults.some((v) => v.name === vaultName) || !principalId) throw new AdminError(400, 'Give vaultName and principalId.');
      // role: "Key Vault Crypto Officer" (default: every key operation) or "Reader" (Resource Manager only, as a holder whose data-plane role is missing).
      const role = b.role === undefined ? 'Key Vault Crypto Officer' : b.role;
      if (role !== 'Key Vault Crypto Officer' && role !== 'Reader') throw new AdminError(400, 'role must be "Key Vault Crypto Officer" or "Reader".');
      s.roleAssignments = s.roleAssignments.filter((a) => !(a.vaultName === vaultName && a.principalId === principalId && (b.role === undefined || a.role === role)));
      if (m === 'POST') s.roleAssignments.push({ vaultName, principalId, role });
      ctx.store.save();
      return sendJson(res, 204, undefined), true;
    }
    if (route === 'POST /apps/public-client') {
      // Authentication > Advanced settings > "Allow public client flows" on the app registration.
      const b = await body(req);
      const app = s.apps.find((a) => a.appId === b.appId);
      if (!app || typeof b.enabled !== 'boolean') throw new AdminError(400, 'Give the appId of a rehearsal app and enabled: true or false.');
      app.publicClientFlows = b.enabled;
      ctx.store.save();
      return sendJson(res, 200, { appId: app.appId, publicClientFlows: b.enabled }), true;
    }
    if (route === 'POST /apps') {
      // Many applications at once (benchmarks, dashboards with many key stores); no secrets, owned by the tenant's holder.
      const b = await body(req);
      const tenant = s.tenants.find((t) => t.id === b.tenantId);
      if (!tenant) throw new AdminError(400, 'Give the tenantId of a rehearsal tenant.');
      const count = b.count === undefined ? 1 : Number(b.count);
      if (!Number.isInteger(count) || count < 1 || count > 5000) throw new AdminError(400, 'count must be 1 to 5000.');
      const owners = s.users.filter((u) => u.tenantId === tenant.id).map((u) => u.oid);
      const created = [];
      for (let i = 0; i < count; i++) {
        const app = { appId: crypto.randomUUID(), objectId: crypto.randomUUID(), tenantId: tenant.id, displayName: `${String(b.displayName ?? 'Rehearsal app')} ${s.apps.length + 1}`, createdDateTime: ctx.now().toISOString(), passwordCredentials: [], keyCredentials: [], owners };
        s.apps.push(app);
        created.push({ appId: app.appId, objectId: app.objectId, displayName: app.displayName });
      }
      ctx.store.save();
      return sendJson(res, 201, { apps: created }), true;
    }
    if (route === 'POST /apps/owners' || route === 'POST /apps/policy' || route === 'POST /apps/key-credentials') {
      const b = await body(req);
      const app = s.apps.find((a) => a.appId === String(b.appId ?? '').toLowerCase());
      if (!app) throw new AdminError(404, 'No application with that appId.');
      if (route === 'POST /apps/owners') {
        if (!Array.isArray(b.owners)) throw new AdminError(400, 'owners must be a list of object ids (may be empty).');
        app.owners = (b.owners as unknown[]).map(String);
      } else if (route === 'POST /apps/policy') {
        if (b.maxPasswordLifetime === null) delete app.appManagementPolicy;
        else if (typeof b.maxPasswordLifetime === 'string' && /^P/.test(b.maxPasswordLifetime)) {
          app.appManagementPolicy = { id: crypto.randomUUID(), displayName: `Password lifetime ${b.maxPasswordLifetime}`, maxPasswordLifetime: b.maxPasswordLifetime };
        } else throw new AdminError(400, 'maxPasswordLifetime must be an ISO 8601 duration such as P90D, or null to unassign.');
      } else {
        const end = typeof b.endDateTime === 'string' ? Date.parse(b.endDateTime) : NaN;
        if (Number.isNaN(end)) throw new AdminError(400, 'endDateTime must be an ISO date.');
        app.keyCredentials.push({ keyId: crypto.randomUUID(), displayName: typeof b.displayName === 'string' ? b.displayName : 'rehearsal certificate', startDateTime: ctx.now().toISOString(), endDateTime: new Date(end).toISOString(), type: 'AsymmetricX509Cert', usage: 'Verify' });
      }
      ctx.store.save();
      return sendJson(res, 200, { appId: app.appId, owners: app.owners ?? null, appManagementPolicy: app.appManagementPolicy ?? null, keyCredentials: app.keyCredentials.length }), true;
    }
    if (route === 'POST /policy') {
      const b = await body(req);
      if (typeof b.maxPasswordLifetime !== 'string' || !/^P/.test(b.maxPasswordLifetime)) throw new AdminError(400, 'maxPasswordLifetime must be an ISO 8601 duration such as P180D.');
      s.maxPasswordLifetime = b.maxPasswordLifetime;
      ctx.store.save();
      return sendJson(res, 200, { maxPasswordLifetime: s.maxPasswordLifetime }), true;
    }
    throw new AdminError(404, `No admin operation at ${route}.`);
  } catch (e) {
    if (e instanceof AdminError) return sendJson(res, e.status, { error: { code: 'Admin', message: e.message } }), true;
    throw e;
  }
}
