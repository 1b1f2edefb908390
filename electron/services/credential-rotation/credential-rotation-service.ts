/**
 * The rotation wizard's Node side: plans a rotation (the application on
 * worksheet line 3, its secrets, the tenant's lifetime rule), starts it,
 * advances it through the pure runner with the real ports, and shows it to
 * the renderer as a view derived from the durable state (the new secret only
 * masked). CredentialRotations on one workstation never run two steps at once.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import { addIsoDuration, lifetimeRule, type LifetimeRule } from '../../../shared/expiry/policy';
import { overlapRemainingMs, requestRemoval, secretNamePrefix, startCredentialRotation, stepOf, type CredentialRotationState } from '../../../shared/expiry/credential-rotation';
import { runCredentialRotation, type CredentialRotationPorts, type RunOutcome } from '../../../shared/expiry/credential-rotation-runner';
import type { HolderNo } from '../../../shared/worksheet/model';
import type { CredentialRotationPlan, CredentialRotationView } from '../../../shared/ipc/channels/credential-rotation';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import type { SecretBox } from '../platform/secret-box';
import type { AzureEndpoints } from '../identity/index';
import type { IdentityService } from '../identity/identity-service';
import type { ControlPlaneService } from '../control-plane/service';
import type { WorksheetService } from '../worksheet/service';
import type { ExpiryService } from '../expiry/expiry-service';
import { fileCredentialRotationStore, type CredentialRotationStore } from '../expiry/credential-rotation-store';
import { readFileOrNull, writeFileAtomic } from '../expiry/atomic-file';
import { refreshFromGraph } from '../expiry/graph-refresh';
import { entriesFromWorksheetView, fileTrackedItemsSource } from '../expiry/tracked-items-source';
import { GraphClient } from './graph-client';
import { fileSecretKeeper, type SecretKeeper } from './kept-secret';
import { createCredentialRotationPorts, type PortDeps } from './ports';

export interface CredentialRotationServiceDeps {
  dataDir: string;
  secretBox: SecretBox;
  clock: Clock;
  log: Logger;
  azure?: AzureEndpoints;
  identity: IdentityService | null;
  controlPlane: ControlPlaneService;
  worksheet: WorksheetService;
  expiry: ExpiryService;
  store?: CredentialRotationStore;
  /** Tests: wrap the real ports (e.g. to crash between an effect and its record). */
  wrapPorts?(ports: CredentialRotationPorts, state: CredentialRotationState): CredentialRotationPorts;
  changed?(): void;
}

const STEP_TITLES = [
  'Sign in as the key holder',
  'Add the new client secret in Azure',
  'Send the new credentials, sealed, to the control plane',
  'Wait for the control plane to confirm it reached your vault',
  '24-hour overlap: the vendor keeps the old secret',
  'Remove the old secret and prove it no longer signs in',
  'Update worksheet line 4 and the expiry reminders',
];

const holderKey = (h: HolderNo) => (h === 1 ? 'holder1' : 'holder2') as 'holder1' | 'holder2';
const holderNo = (s: string): HolderNo => (s === 'holder-2' ? 2 : 1);

export class CredentialRotationService {
  readonly store: CredentialRotationStore;
  readonly keeper: SecretKeeper;
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly outcomes = new Map<string, RunOutcome>();

  constructor(private readonly deps: CredentialRotationServiceDeps) {
    this.store = deps.store ?? fileCredentialRotationStore(deps.dataDir);
    this.keeper = fileSecretKeeper(deps.dataDir, deps.secretBox);
  }

  private identity(): IdentityService {
    if (!this.deps.identity || !this.deps.azure) {
      throw new KeyholderError('identity.not_configured', 'Sign-in is not set up on this computer, so Key Holder cannot reach Microsoft Graph. Set up live mode (docs/live-mode.md) or use the rehearsal cloud.');
    }
    return this.deps.identity;
  }

  private graph(tenantId: string): GraphClient {
    const identity = this.identity();
    const azure = this.deps.azure!;
    const baseUrl = azure.graphUrl ?? `${azure.identity.graphScope.replace(/\/\.default$/, '')}/v1.0`;
    return new GraphClient({ baseUrl, ...(azure.agent ? { agent: azure.agent } : {}), token: async ({ forceRefresh }) => (await identity.graphToken(tenantId, { forceRefresh })).token });
  }

  private async holderValues(h: HolderNo): Promise<{ appId: string; tenantId: string; ceremony: string }> {
    const view = await this.deps.worksheet.get();
    const w = view[holderKey(h)];
    const tenantId = (w.tenantId.trim() || this.deps.azure?.identity.defaultTenantId || '').toLowerCase();
    if (!w.clientId.trim()) throw new KeyholderError('rotation.no_application', `Worksheet line 3 (application ID) is empty for key holder ${h}. Fill it in on the worksheet first.`);
    if (!tenantId) throw new KeyholderError('rotation.no_tenant', `The worksheet has no tenant ID for key holder ${h}. Fill it in on the worksheet first.`);
    // The same ceremony name the expiry dashboard derives from the worksheet.
    return { appId: w.clientId.trim().toLowerCase(), tenantId, ceremony: w.keyName.trim() || 'this workstation' };
  }

  private ports(state: CredentialRotationState, v: { tenantId: string }): CredentialRotationPorts {
    const identity = this.identity();
    const azure = this.deps.azure!;
    const d: PortDeps = {
      rotationId: state.rotationId,
      holder: holderNo(state.holder),
      ceremony: state.ceremony,
      tenantId: v.tenantId,
      graph: this.graph(v.tenantId),
      identity,
      controlPlane: this.deps.controlPlane,
      worksheet: this.deps.worksheet,
      expiry: this.deps.expiry,
      keeper: this.keeper,
      clock: this.deps.clock,
      log: this.deps.log,
      dataDir: this.deps.dataDir,
      authorityHost: azure.identity.authorityHost,
      ...(azure.identity.knownAuthorities ? { knownAuthorities: azure.identity.knownAuthorities } : {}),
      ...(azure.agent ? { agent: azure.agent } : {}),
      proofScope: azure.identity.graphScope,
    };
    const real = createCredentialRotationPorts(d);
    return this.deps.wrapPorts ? this.deps.wrapPorts(real, state) : real;
  }

  /** What the wizard needs before starting: the application, its secrets (which one is on the worksheet), the lifetime rule. */
  async plan(h: HolderNo): Promise<CredentialRotationPlan> {
    const v = await this.holderValues(h);
    const now = this.deps.clock.now();
    const identity = this.deps.identity;
    const account = identity ? await identity.activeAccount().catch(() => null) : null;
    const signedIn = !!account && account.tenantId === v.tenantId;
    const unfinished = this.store.unfinished().find((s) => s.holder === `holder-${h}`);
    let rule: LifetimeRule = lifetimeRule({}, now);
    let credentials: CredentialRotationPlan['credentials'] = [];
    if (signedIn) {
      const graph = this.graph(v.tenantId);
      const app = await graph.getApplication(v.appId);
      rule = lifetimeRule({ tenantDefault: await graph.tenantPolicy(), appPolicies: await graph.appPolicies(app.id), appCreatedAt: app.createdDateTime ?? null }, now);
      let hint: string | null = null;
      try {
        hint = (await this.deps.worksheet.revealSecret(h)).slice(0, 3);
      } catch {
        hint = null;
      }
      const matches = app.passwordCredentials.filter((p) => hint !== null && p.hint === hint);
      credentials = app.passwordCredentials.map((p) => ({
        keyId: p.keyId,
        displayName: p.displayName ?? null,
        hint: p.hint ?? null,
        endDateTime: p.endDateTime ?? null,
        onWorksheet: matches.length === 1 && matches[0] === p,
      }));
    }
    return {
      holder: h,
      appId: v.appId,
      tenantId: v.tenantId,
      signedIn,
      ...(account && signedIn ? { account: account.username } : {}),
      credentials,
      rule: {
        additionAllowed: rule.additionAllowed,
        maxLifetime: rule.maxLifetimeText,
        source: rule.source,
        suggestedEndDateTime: addIsoDuration(now, rule.suggested).toISOString(),
        maxEndDateTime: addIsoDuration(now, rule.maxLifetime).toISOString(),
      },
      ...(unfinished ? { unfinishedRotationId: unfinished.rotationId } : {}),
    };
  }

  /** Signs the holder in to the worksheet's tenant (the wizard's step 1 when not yet signed in). */
  async signIn(h: HolderNo): Promise<{ account: string }> {
    const v = await this.holderValues(h);
    const a = await this.identity().signIn({ tenantId: v.tenantId, method: 'browser' });
    return { account: a.username };
  }

  async start(req: { holder: HolderNo; oldKeyId: string; endDateTime: string; newAppId?: string }): Promise<CredentialRotationView> {
    const v = await this.holderValues(req.holder);
    const open = this.store.unfinished().find((s) => s.holder === `holder-${req.holder}`);
    if (open) throw new KeyholderError('rotation.already_running', `A rotation for key holder ${req.holder} is already under way (started ${open.startedAt.slice(0, 10)}). Continue that one.`, { rotationId: open.rotationId });
    this.keeper.requireAvailable();
    const now = this.deps.clock.now();
    if (Number.isNaN(Date.parse(req.endDateTime)) || Date.parse(req.endDateTime) <= now.getTime()) throw new KeyholderError('expiry.lifetime_refused', 'The new secret’s end date must be in the future.');
    const state = startCredentialRotation({
      rotationId: `rot-${crypto.randomUUID()}`,
      ceremony: v.ceremony,
      holder: `holder-${req.holder}`,
      appId: v.appId,
      ...(req.newAppId && req.newAppId.toLowerCase() !== v.appId ? { newAppId: req.newAppId.toLowerCase() } : {}),
      oldKeyId: req.oldKeyId,
      requestedEndDateTime: new Date(req.endDateTime).toISOString(),
      now,
    });
    await this.store.save(state);
    this.deps.log.info('rotation started', { rotationId: state.rotationId, holder: state.holder });
    this.deps.changed?.();
    return this.view(state);
  }

  private load(id: string): CredentialRotationState {
    const s = this.store.load(id);
    if (!s) throw new KeyholderError('rotation.not_found', 'There is no such rotation on this workstation.');
    return s;
  }

  /** Runs the rotation as far as it can go now; one run per rotation at a time. */
  advance(id: string): Promise<CredentialRotationView> {
    return this.exclusive(id, async () => {
      const state = this.load(id);
      const v = await this.holderValues(holderNo(state.holder));
      const r = await runCredentialRotation(state, this.ports(state, v), { now: () => this.deps.clock.now(), persist: (s) => this.store.save(s) });
      this.outcomes.set(id, r.outcome);
      if (r.outcome === 'done' || r.outcome === 'rolled-back') this.keeper.forget(id);
      this.deps.changed?.();
      return this.view(r.state);
    });
  }

  /** Step 5 to 6: refused during the overlap unless a reason is typed (it is recorded), then continues. */
  removeOld(id: string, overrideReason?: string): Promise<CredentialRotationView> {
    return this.exclusive(id, async () => {
      const next = requestRemoval(this.load(id), this.deps.clock.now(), overrideReason);
      await this.store.save(next);
      if (next.override) this.deps.log.warn('rotation: overlap overridden', { rotationId: id });
      return next;
    }).then(() => this.advance(id));
  }

  /**
   * Gives up a rotation that has not delivered anything yet (steps 1-2, e.g.
   * after the tenant refused the lifetime): every secret under its name is
   * removed in Azure first, so nothing valid is left that nobody holds.
   */
  abandon(id: string): Promise<{ abandoned: true; removedSecrets: number }> {
    return this.exclusive(id, async () => {
      const s = this.load(id);
      if (s.phase !== 'sign-in' && s.phase !== 'add-password') {
        throw new KeyholderError('rotation.cannot_abandon', `This rotation is at step ${stepOf(s.phase)}: the new secret may already be with the vendor. Continue it (a rejection rolls back by itself).`);
      }
      const v = await this.holderValues(holderNo(s.holder));
      const ports = this.ports(s, v);
      let removed = 0;
      if (s.phase === 'add-password' || s.newSecret) {
        const appId = s.newAppId ?? s.appId;
        for (const p of await ports.listPasswords(appId)) {
          if ((p.displayName ?? '').startsWith(secretNamePrefix(s))) {
            await ports.removePassword(appId, p.keyId);
            removed++;
          }
        }
      }
      this.keeper.forget(id);
      this.store.remove(id);
      this.deps.log.info('rotation abandoned', { rotationId: id, removedSecrets: removed });
      this.deps.changed?.();
      return { abandoned: true as const, removedSecrets: removed };
    });
  }

  /**
   * CredentialRotations whose 24-hour overlap has ended since the last call: each is
   * returned once (remembered across restarts), so the main process can
   * remind the holder to finish with step 6.
   */
  dueOverlapEnds(): { rotationId: string; holder: HolderNo; overlapEndsAt: string }[] {
    const file = path.join(this.deps.dataDir, 'expiry', 'overlap-reminders.json');
    let told: string[] = [];
    try {
      const parsed = JSON.parse(readFileOrNull(file) ?? '[]') as unknown;
      told = Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      told = []; // A damaged record only means a reminder may repeat.
    }
    const now = this.deps.clock.now().getTime();
    const due = this.store
      .unfinished()
      .filter((s) => s.phase === 'overlap' && s.overlapEndsAt && Date.parse(s.overlapEndsAt) <= now && !told.includes(s.rotationId))
      .map((s) => ({ rotationId: s.rotationId, holder: holderNo(s.holder), overlapEndsAt: s.overlapEndsAt! }));
    if (due.length > 0) {
      const open = new Set(this.store.unfinished().map((s) => s.rotationId));
      writeFileAtomic(file, JSON.stringify([...told.filter((id) => open.has(id)), ...due.map((d) => d.rotationId)]) + '\n');
    }
    return due;
  }

  /**
   * Reads the signed-in holder's own application(s) from Graph in `$batch`es
   * and saves the tracked items (`expiry/graph-items.json`): Graph's end dates
   * then replace the worksheet's. Does nothing when nobody is signed in.
   */
  async refreshGraphItems(): Promise<{ refreshed: boolean; items: number; httpRequests: number; account?: string }> {
    const identity = this.deps.identity;
    const account = identity && this.deps.azure ? await identity.activeAccount().catch(() => null) : null;
    if (!account) return { refreshed: false, items: 0, httpRequests: 0 };
    const view = await this.deps.worksheet.get();
    const entries = [];
    for (const h of [1, 2] as const) {
      const w = view[holderKey(h)];
      if (w.tenantId.trim().toLowerCase() !== account.tenantId) continue;
      for (const e of entriesFromWorksheetView({ holder1: h === 1 ? w : { ...w, clientId: '' }, holder2: h === 2 ? w : { ...w, clientId: '' } })) {
        let hint: string | undefined;
        try {
          hint = (await this.deps.worksheet.revealSecret(h)).slice(0, 3);
        } catch {
          hint = undefined;
        }
        // A worksheet without an expiry date still has a secret worth tracking once Graph knows its date.
        entries.push({ ...e, ...(hint ? { clientSecretHint: hint } : {}) });
      }
      if (!w.secretExpiresOn && w.clientId.trim()) {
        entries.push({ ceremony: w.keyName.trim() || 'this workstation', holder: `holder-${h}`, appId: w.clientId.trim().toLowerCase(), clientSecretExpiresAt: this.deps.clock.now().toISOString() });
      }
    }
    if (entries.length === 0) return { refreshed: false, items: 0, httpRequests: 0, account: account.username };
    const r = await refreshFromGraph(entries, this.graph(account.tenantId));
    fileTrackedItemsSource(this.deps.dataDir).saveGraphItems(r.items, this.deps.clock.now());
    this.deps.changed?.();
    return { refreshed: true, items: r.items.length, httpRequests: r.httpRequests, account: account.username };
  }

  get(id: string): CredentialRotationView {
    return this.view(this.load(id));
  }

  list(): CredentialRotationView[] {
    return this.store.all().map((s) => this.view(s));
  }

  private async exclusive<T>(id: string, f: () => Promise<T>): Promise<T> {
    const before = this.running.get(id) ?? Promise.resolve();
    const p = before.then(f, f);
    this.running.set(id, p.catch(() => undefined));
    return p;
  }

  view(s: CredentialRotationState): CredentialRotationView {
    const now = this.deps.clock.now();
    const step = stepOf(s.phase);
    const kept = s.newSecret ? this.keeper.info(s.rotationId) : null;
    const finished = s.phase === 'done' || s.phase === 'rolled-back';
    return {
      rotationId: s.rotationId,
      ceremony: s.ceremony,
      holder: holderNo(s.holder),
      appId: s.appId,
      ...(s.newAppId ? { newAppId: s.newAppId } : {}),
      oldKeyId: s.oldKeyId,
      phase: s.phase,
      step,
      steps: STEP_TITLES.map((title, i) => ({
        n: i + 1,
        title,
        status: s.phase === 'done' || i + 1 < step ? 'done' : i + 1 === step ? (s.phase === 'rolled-back' ? 'failed' : 'current') : 'todo',
      })),
      secretName: secretNamePrefix(s),
      requestedEndDateTime: s.requestedEndDateTime,
      ...(s.newSecret
        ? { newSecret: { keyId: s.newSecret.keyId, endDateTime: s.newSecret.endDateTime, masked: `${kept?.hint ?? ''}${'•'.repeat(kept ? 37 : 12)}`, kept: !!kept } }
        : {}),
      ...(s.signedInAs ? { signedInAs: s.signedInAs } : {}),
      ...(s.confirmedAt ? { confirmedAt: s.confirmedAt } : {}),
      ...(s.overlapEndsAt ? { overlapEndsAt: s.overlapEndsAt } : {}),
      overlapRemainingMs: overlapRemainingMs(s, now),
      ...(s.override ? { override: s.override } : {}),
      ...(s.rejection ? { rejection: s.rejection } : {}),
      ...(s.lastError ? { lastError: s.lastError } : {}),
      ...(this.outcomes.get(s.rotationId) ? { outcome: this.outcomes.get(s.rotationId)! } : {}),
      finished,
      now: now.toISOString(),
      startedAt: s.startedAt,
      history: s.history,
    };
  }
}

export function createCredentialRotationService(deps: CredentialRotationServiceDeps): CredentialRotationService {
  return new CredentialRotationService(deps);
}
