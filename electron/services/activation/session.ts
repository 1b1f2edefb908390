/**
 * One activation: the moment key material is opened in memory. It follows
 * the shared state machine step by step, keeps every secret buffer in this
 * process only, hands the material to the purpose exactly once after the
 * supervisor's signed attestation, and zeroes everything it held after
 * success, failure, cancellation or the timeout, whichever comes first.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import {
  applyActivation,
  describeStep,
  expectedRole,
  startActivation,
  type ActivationEvent,
  type ActivationPlan,
  type ActivationState,
  type Purpose,
} from '../../../shared/ceremony/activation';
import { canonicalJson, type JsonObject } from '../../../shared/transcript/canonical';
import { requirePlannedRole, type CeremonyPlan } from '../../../shared/ceremony/plan';
import { keyFingerprint, type Attestation, type Role } from '../../../shared/transcript/entry';
import { systemClock, type Clock } from '../platform/clock';
import { verifyAttestation, type ParticipantIdentity } from '../participants/participant-file';
import { componentCheckValue } from './check-value';
import type { ComponentSource, RewrapComponentSource } from './component-source';
import { buildJoinStatement, offerFingerprint, openPackage, parsePackage, signOffer, suite, type ActivationOffer } from './remote';
import type { WorkstationKey } from '../participants/plan-store';
import { toBase64Url } from '../../../shared/transcript/canonical';

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}
const realTimers: Timers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** What a purpose reports: identifiers and yes/no facts, flat (it is shown to the page; see the IPC schema). */
export type PurposeResult = Record<string, string | number | boolean | null>;

/**
 * A re-seal's proven passphrases by custodian or copy ID (`custodian-N`,
 * `copy-N`). Owned by the session: zeroed right after the purpose returns.
 */
export type RewrapPassphrases = ReadonlyMap<string, Uint8Array>;

export interface ActivationSessionOptions {
  ceremony: string;
  purpose: Purpose;
  source: ComponentSource;
  /**
   * The ceremony plan: only a key enrolled in it for the role may join
   * (participants are enrolled before the ceremony, never at the desk).
   */
  plan: CeremonyPlan;
  /** This workstation's ceremony key: signs the requests (offers) for remote participants. Without it, no request can be made. */
  workstation?: () => Pick<WorkstationKey, 'publicKey' | 'sign'>;
  /**
   * Carries out the purpose with the key material (in a re-seal, an empty
   * buffer: nothing was decrypted) and, in a re-seal, the proven passphrases.
   * Must not keep the buffers: they are zeroed on return.
   */
  onPurpose(material: Uint8Array, purpose: Purpose, passphrases?: RewrapPassphrases): Promise<PurposeResult>;
  /** Appends to the ceremony transcript. A failure to record stops the activation before the purpose. */
  record?(kind: string, data: JsonObject, attestations?: Attestation[]): Promise<unknown>;
  clock?: Clock;
  timers?: Timers;
  /** Key material is wiped this long after it first exists, whatever the step. */
  timeoutMs?: number;
  /** Wrong passphrases or components before the activation is stopped. */
  maxFailures?: number;
  session?: string;
}

const DEFAULT_ACTIVATION_TIMEOUT_MS = 5 * 60_000;

/** What the attestation and the transcript say about how the key was opened (never a secret). */
function planFacts(plan: ActivationPlan): JsonObject {
  if (plan.mode === 'split-knowledge') return { copyFingerprint: plan.copyFingerprint };
  if (plan.mode === 'quorum') return { threshold: plan.threshold };
  return { custodians: plan.custodians.map((c) => c.name), copies: plan.copies.map((c) => c.name) };
}

export class ActivationSession {
  readonly id: string;
  private machine: ActivationState;
  private readonly held: Uint8Array[] = [];
  private material: Uint8Array | null = null;
  private shares: { custodian: string; share: Uint8Array }[] = [];
  private readonly rewrapPassphrases = new Map<string, Uint8Array>();
  private readonly joins: Attestation[] = [];
  private readonly challenge = randomBytes(16).toString('hex');
  private timer: unknown = null;
  private purposeCalled = false;
  private failures = 0;
  private oneTimeKey: CryptoKeyPair | null = null;
  /** Fingerprints of the signed requests this session issued: a package must name one of them. */
  private readonly issuedOffers = new Set<string>();
  private readonly clock: Clock;
  private readonly timers: Timers;

  constructor(private readonly opts: ActivationSessionOptions) {
    this.id = opts.session ?? `activation-${randomUUID()}`;
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? realTimers;
    const src = opts.source;
    const plan: ActivationPlan =
      src.kind === 'passphrase-for-sealed-copy'
        ? { mode: 'split-knowledge', purpose: opts.purpose, ceremony: opts.ceremony, session: this.id, copyFingerprint: src.copyFingerprint }
        : src.kind === 'rewrap'
          ? { mode: 'rewrap', purpose: opts.purpose, ceremony: opts.ceremony, session: this.id, custodians: src.custodians, copies: src.copies }
          : { mode: 'quorum', purpose: opts.purpose, ceremony: opts.ceremony, session: this.id, threshold: src.threshold, custodians: src.custodians };
    this.machine = startActivation(plan);
  }

  /** The non-secret state: step, participants, check values. Safe to send to the renderer. */
  get state(): ActivationState {
    return this.machine;
  }

  get waitingFor(): { step: string; role: Role | null; words: string } {
    return { step: this.machine.step, role: expectedRole(this.machine), words: describeStep(this.machine.step) };
  }

  /** What a participant signs to join in `role` (the operator's also states the purpose: it is the request). */
  joinStatement(role: Role, who: ParticipantIdentity, custodian?: string): JsonObject {
    return buildJoinStatement({ ceremony: this.opts.ceremony, session: this.id, challenge: this.challenge }, role, who, custodian, role === 'operator' ? { ...this.opts.purpose } : undefined);
  }

  private checkJoin(signed: Attestation, custodian?: string): void {
    const who = { id: signed.participant, name: signed.name, key: signed.key };
    if (canonicalJson(signed.statement) !== canonicalJson(this.joinStatement(signed.role, who, custodian)) || !verifyAttestation(signed)) {
      throw new KeyholderError('activation.bad_join', `${signed.name}'s signed statement is not for this activation, or their signature does not verify. They must unlock their own participant key for this activation.`);
    }
  }

  join(signed: Attestation, custodian?: string): void {
    this.assertLive();
    this.checkJoin(signed, custodian);
    const who = { id: signed.participant, name: signed.name, key: signed.key };
    const ev: ActivationEvent = { type: 'join', participant: { ...who, role: signed.role }, ...(custodian ? { custodian } : {}) };
    // The machine's own refusals first (order, same person twice), then the plan: the key must be enrolled for this role.
    this.probe(ev);
    requirePlannedRole(this.opts.plan, who, signed.role);
    this.apply(ev);
    this.joins.push(signed);
  }

  presentSealedCopy(keeperId: string, copyFingerprint: string): void {
    this.assertLive();
    this.apply({ type: 'sealed-copy-presented', by: keeperId, copyFingerprint });
  }

  /** Split knowledge: the knower types the passphrase. The session takes and zeroes `passphrase` bytes. */
  async enterPassphrase(knowerId: string, passphrase: string | Uint8Array): Promise<{ checkValue: string }> {
    const pass = this.own(passphrase);
    try {
      this.assertLive();
      const src = this.opts.source;
      if (src.kind !== 'passphrase-for-sealed-copy') throw new KeyholderError('activation.wrong_mode', 'This activation needs custodians\' components, not a passphrase.');
      const nonce = randomBytes(16).toString('hex');
      this.probe({ type: 'component-accepted', by: knowerId, checkValue: `probe-${nonce}`, nonce });
      const material = await this.opening(() => src.open(pass));
      const checkValue = componentCheckValue(material);
      this.apply({ type: 'component-accepted', by: knowerId, checkValue, nonce });
      this.material = material;
      return { checkValue };
    } finally {
      pass.fill(0);
    }
  }

  /** Quorum: the custodian at the keyboard opens their own share. The session takes and zeroes `passphrase` bytes. */
  async enterComponent(keeperId: string, passphrase: string | Uint8Array): Promise<{ checkValue: string; entered: number; threshold: number }> {
    const pass = this.own(passphrase);
    try {
      this.assertLive();
      const src = this.opts.source;
      if (src.kind === 'rewrap') return await this.enterRewrap(src, keeperId, pass);
      if (src.kind !== 'quorum-share') throw new KeyholderError('activation.wrong_mode', 'This activation opens a sealed copy with a passphrase, not components.');
      const custodian = this.machine.pendingCustodian;
      const nonce = randomBytes(16).toString('hex');
      this.probe({ type: 'component-accepted', by: keeperId, ...(custodian ? { custodian } : {}), checkValue: `probe-${nonce}`, nonce });
      const share = await this.opening(() => src.openShare(custodian!, pass));
      return await this.acceptShare(keeperId, custodian!, share, nonce);
    } finally {
      pass.fill(0);
    }
  }

  /**
   * Two workstations: the one-time public key a remote participant seals
   * their component to, with the purpose, signed by this workstation's
   * ceremony key (the remote side checks the signer is in the ceremony plan).
   */
  async offer(validForMs = 15 * 60_000): Promise<{ offer: ActivationOffer; fingerprint: string }> {
    this.assertLive();
    this.refuseRemoteRewrap();
    if (!this.opts.workstation) throw new KeyholderError('activation.offer_unavailable', 'This workstation has no ceremony key to sign a request with, so it cannot take components from another workstation.');
    const key = this.opts.workstation();
    if (!this.oneTimeKey) this.oneTimeKey = await suite.kem.generateKeyPair();
    const pub = new Uint8Array(await suite.kem.serializePublicKey(this.oneTimeKey.publicKey));
    const offer = signOffer(
      {
        kind: 'keyholder-activation-offer',
        v: 2,
        ceremony: this.opts.ceremony,
        session: this.id,
        challenge: this.challenge,
        purpose: { kind: this.opts.purpose.kind, target: this.opts.purpose.target },
        publicKey: toBase64Url(pub),
        expiresAt: new Date(this.clock.now().getTime() + validForMs).toISOString(),
      },
      key,
    );
    const fingerprint = offerFingerprint(offer);
    this.issuedOffers.add(fingerprint);
    return { offer, fingerprint };
  }

  /** Receives a remote participant's sealed component (file or scanned QR): joins them, then enters it. */
  async receiveSealedComponent(input: string | unknown): Promise<{ checkValue: string }> {
    this.assertLive();
    this.refuseRemoteRewrap();
    const pkg = parsePackage(input);
    if (pkg.ceremony !== this.opts.ceremony || pkg.session !== this.id) {
      throw new KeyholderError('activation.package_other_session', 'This sealed component was made for another activation. Ask the participant to seal it again for this one.');
    }
    if (this.machine.seenNonces.includes(pkg.nonce)) {
      throw new KeyholderError('ceremony.component_replayed', 'This sealed component was already used in this activation: a replayed component is refused.');
    }
    if (!this.oneTimeKey || !this.issuedOffers.has(pkg.offer)) throw new KeyholderError('activation.package_unopenable', 'This sealed component answers a request this activation did not issue. Ask the participant to seal it again to the request shown here, and compare its fingerprint aloud.');
    const wantRole: Role = pkg.content === 'share' ? 'keeper' : 'knower';
    if (pkg.join.role !== wantRole) throw new KeyholderError('activation.bad_join', `A ${pkg.content} must come from the ${wantRole}.`);
    // Check the join is allowed before opening anything.
    if (!this.machine.participants.some((p) => p.id === pkg.join.participant)) {
      this.checkJoin(pkg.join, pkg.custodian);
      this.probe({ type: 'join', participant: { id: pkg.join.participant, name: pkg.join.name, key: pkg.join.key, role: wantRole }, ...(pkg.custodian ? { custodian: pkg.custodian } : {}) });
      requirePlannedRole(this.opts.plan, { name: pkg.join.name, key: pkg.join.key }, wantRole);
    }
    const bytes = await this.opening(() => openPackage(this.oneTimeKey!, pkg));
    try {
      if (!this.machine.participants.some((p) => p.id === pkg.join.participant)) this.join(pkg.join, pkg.custodian);
      if (pkg.content === 'passphrase') {
        const src = this.opts.source;
        if (src.kind !== 'passphrase-for-sealed-copy') throw new KeyholderError('activation.wrong_mode', 'This activation needs custodians\' components, not a passphrase.');
        this.probe({ type: 'component-accepted', by: pkg.join.participant, checkValue: `probe-${pkg.nonce}`, nonce: pkg.nonce });
        const material = await this.opening(() => src.open(bytes));
        const checkValue = componentCheckValue(material);
        this.apply({ type: 'component-accepted', by: pkg.join.participant, checkValue, nonce: pkg.nonce });
        this.material = material;
        return { checkValue };
      }
      const share = bytes.slice();
      this.held.push(share);
      return await this.acceptShare(pkg.join.participant, pkg.custodian ?? '', share, pkg.nonce);
    } finally {
      bytes.fill(0);
    }
  }

  /** What the supervisor signs: everything that was witnessed, nothing secret. */
  attestationStatement(): JsonObject {
    const m = this.machine;
    const plan = m.plan;
    return {
      statement: 'activation-attestation',
      ceremony: this.opts.ceremony,
      session: this.id,
      challenge: this.challenge,
      mode: plan.mode,
      purpose: { ...plan.purpose },
      ...planFacts(plan),
      participants: m.participants.map((p) => ({ id: p.id, name: p.name, role: p.role, key: keyFingerprint(p.key) })),
      checkValues: m.components.map((c) => c.checkValue),
      attests: 'I witnessed this activation; the key material was opened only for the purpose stated, and nothing else was done with it.',
    };
  }

  async attest(signed: Attestation): Promise<void> {
    this.assertLive();
    const sup = this.machine.participants.find((p) => p.role === 'supervisor');
    if (!sup || signed.participant !== sup.id || signed.key !== sup.key || signed.role !== 'supervisor') {
      throw new KeyholderError('ceremony.wrong_person', 'Only the supervisor who witnessed this activation can attest it.');
    }
    if (canonicalJson(signed.statement) !== canonicalJson(this.attestationStatement()) || !verifyAttestation(signed)) {
      throw new KeyholderError('activation.bad_attestation', "The supervisor's attestation does not match what happened in this activation, or its signature does not verify.");
    }
    this.probe({ type: 'attested', by: sup.id });
    const plan = this.machine.plan;
    try {
      await this.opts.record?.(
        'activation.attested',
        {
          ...(plan.purpose.kind === 'vault-import' && plan.purpose.holder ? { holder: plan.purpose.holder } : {}),
          session: this.id,
          mode: plan.mode,
          purpose: { ...plan.purpose },
          participants: this.machine.participants.map((p) => ({ id: p.id, name: p.name, role: p.role, keyFingerprint: keyFingerprint(p.key) })),
          checkValues: this.machine.components.map((c) => c.checkValue),
          ...planFacts(plan),
        },
        [...this.joins, signed],
      );
    } catch (e) {
      await this.abort('failed', 'The attestation could not be recorded in the transcript, so the purpose was not carried out.');
      throw e;
    }
    this.apply({ type: 'attested', by: sup.id });
  }

  /** Carries out the purpose, once, then wipes. */
  async carryOut(): Promise<PurposeResult> {
    this.assertLive();
    this.probe({ type: 'purpose-finished', ok: true });
    // A re-seal decrypts nothing: what it carries out with is the proven passphrases.
    if (this.opts.source.kind === 'rewrap' && !this.purposeCalled) this.material ??= new Uint8Array(0);
    if (this.purposeCalled || !this.material) throw new KeyholderError('activation.purpose_done', 'The purpose of this activation was already carried out.');
    this.purposeCalled = true;
    let result: PurposeResult | undefined;
    let failure: unknown;
    try {
      result = await this.opts.onPurpose(this.material, this.machine.plan.purpose, this.opts.source.kind === 'rewrap' ? this.rewrapPassphrases : undefined);
    } catch (e) {
      failure = e;
    }
    this.wipe();
    this.apply({ type: 'purpose-finished', ok: failure === undefined });
    this.apply({ type: 'wiped' });
    await this.opts.record?.('activation.completed', { session: this.id, outcome: failure === undefined ? 'carried-out' : 'failed', wiped: true, ...(result ? { result } : {}) });
    if (failure !== undefined) {
      throw isKeyholderError(failure) ? failure : new KeyholderError('activation.purpose_failed', 'The purpose could not be carried out; the key material has been wiped. Start a new activation to try again.');
    }
    return result ?? {};
  }

  async cancel(message = 'The operator cancelled the activation.'): Promise<void> {
    await this.abort('cancelled', message);
  }

  /** Zeroes every secret buffer this session holds or was handed. Safe to call any number of times. */
  wipe(): void {
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
    for (const b of this.held) b.fill(0);
    this.held.length = 0;
    this.material = null;
    this.shares = [];
    this.rewrapPassphrases.clear();
    this.oneTimeKey = null;
  }

  // ---- internals

  private own(passphrase: string | Uint8Array): Uint8Array {
    const b = typeof passphrase === 'string' ? new Uint8Array(Buffer.from(passphrase.normalize('NFC'), 'utf8')) : passphrase;
    this.held.push(b);
    return b;
  }

  /** Runs a source call that returns secret bytes; counts failures and starts the wipe timer. */
  private async opening(fn: () => Promise<Uint8Array>): Promise<Uint8Array> {
    let out: Uint8Array;
    try {
      out = await fn();
    } catch (e) {
      this.failures++;
      if (this.failures >= (this.opts.maxFailures ?? 3)) {
        await this.abort('refused', `Stopped after ${this.failures} wrong passphrases or components. Nothing was opened; start a new activation.`);
      }
      throw isKeyholderError(e) ? e : new KeyholderError('activation.component_refused', 'That component or passphrase is wrong. Nothing was opened.');
    }
    this.held.push(out);
    if (this.machine.step === 'aborted') {
      this.wipe();
      throw new KeyholderError('activation.ended', this.machine.abort?.message ?? 'This activation has ended.');
    }
    if (this.timer === null) this.timer = this.timers.set(() => void this.abort('timeout', 'The activation took too long: the key material was wiped. Start a new activation.'), this.opts.timeoutMs ?? DEFAULT_ACTIVATION_TIMEOUT_MS);
    return out;
  }

  /**
   * Re-seal: the custodian (or copy's knower) at the keyboard proves their
   * passphrase against their own wrap of the current key; the session keeps
   * a copy of the passphrase for the purpose (held, so wiped with the rest).
   */
  private async enterRewrap(src: RewrapComponentSource, participantId: string, pass: Uint8Array): Promise<{ checkValue: string; entered: number; threshold: number }> {
    const id = this.machine.pendingCustodian;
    const nonce = randomBytes(16).toString('hex');
    this.probe({ type: 'component-accepted', by: participantId, ...(id ? { custodian: id } : {}), checkValue: `probe-${nonce}`, nonce });
    const piece = await this.opening(() => src.check(id!, pass));
    const checkValue = componentCheckValue(piece);
    piece.fill(0);
    this.apply({ type: 'component-accepted', by: participantId, custodian: id!, checkValue, nonce });
    const kept = pass.slice();
    this.held.push(kept);
    this.rewrapPassphrases.set(id!, kept);
    return { checkValue, entered: this.machine.components.length, threshold: src.custodians.length + src.copies.length };
  }

  private refuseRemoteRewrap(): void {
    if (this.opts.source.kind === 'rewrap') {
      throw new KeyholderError('activation.remote_refused', 'Everyone takes part in the escrow re-seal at this workstation: each passphrase seals the new key here, so it is never sent from another workstation.');
    }
  }

  private async acceptShare(keeperId: string, custodian: string, share: Uint8Array, nonce: string) {
    const src = this.opts.source;
    if (src.kind !== 'quorum-share') throw new KeyholderError('activation.wrong_mode', 'This activation does not take components.');
    const checkValue = componentCheckValue(share);
    try {
      this.apply({ type: 'component-accepted', by: keeperId, custodian, checkValue, nonce });
    } catch (e) {
      share.fill(0);
      throw e;
    }
    this.shares.push({ custodian, share });
    if (this.machine.step === 'combine') {
      let material: Uint8Array;
      try {
        material = await src.combine(this.shares);
      } catch {
        await this.abort('failed', 'The components entered do not open the key: at least one is not from this key\'s escrow. Nothing was opened; everything entered has been wiped.');
        throw new KeyholderError('activation.quorum_failed', 'The components entered do not open the key: at least one is not from this key\'s escrow. Nothing was opened; everything entered has been wiped.');
      }
      this.held.push(material);
      this.material = material;
      this.apply({ type: 'quorum-opened' });
    }
    return { checkValue, entered: this.machine.components.length, threshold: src.threshold };
  }

  private apply(ev: ActivationEvent): void {
    this.machine = applyActivation(this.machine, ev);
  }

  private probe(ev: ActivationEvent): void {
    applyActivation(this.machine, ev);
  }

  private assertLive(): void {
    if (this.machine.step === 'aborted' || this.machine.step === 'done') {
      throw new KeyholderError('activation.ended', this.machine.step === 'done' ? 'This activation is finished. Start a new one.' : `This activation was stopped: ${this.machine.abort?.message ?? ''}`.trim());
    }
  }

  private async abort(reason: 'timeout' | 'cancelled' | 'refused' | 'failed', message: string): Promise<void> {
    this.wipe();
    if (this.machine.step === 'aborted' || this.machine.step === 'done') return;
    const at = this.machine.step;
    this.apply({ type: 'abort', reason, message });
    this.apply({ type: 'wiped' });
    try {
      await this.opts.record?.('activation.aborted', { session: this.id, reason, step: at, wiped: true });
    } catch {
      // The wipe already happened; a transcript that cannot be written is reported by its own next append.
    }
  }
}
