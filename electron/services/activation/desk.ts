/**
 * The activation desk: what the hand-over screens talk to (over IPC). People
 * are identified by name and their own participant passphrase; only people
 * enrolled beforehand in the ceremony plan, in the role they are planned
 * for, can join (the desk never enrols anyone). Escrow files by path. Only
 * non-secret views come back: step, who is expected, participants with key
 * fingerprints, check values, the plan and request fingerprints.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import path from 'node:path';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import { describeStep, expectedRole, type Purpose, type PurposeKind } from '../../../shared/ceremony/activation';
import { normaliseName } from '../../../shared/ceremony/roles';
import { parseEscrow, type EscrowFile } from '../../../shared/escrow/format';
import { assertEscrowUsable, type WorkstationMode } from '../../../shared/escrow/mode-policy';
import { warmPassphraseEstimator } from '../../../shared/escrow/policy';
import { keyFingerprint, type Role } from '../../../shared/transcript/entry';
import type { CeremonyTranscripts } from '../transcript/index';
import type { ParticipantsService } from '../participants/index';
import type { ActivationService } from './index';
import { formatCheckValue } from './check-value';
import { custodianId, escrowQuorumSource, escrowRewrapSource, holderCopySource } from './escrow-sources';
import type { ActivationSession, PurposeResult, RewrapPassphrases } from './session';
import type { QuorumShareComponentSource, SealedCopyComponentSource } from './component-source';
import { findEntry, openSlot } from '../escrow/seal';
import { readEscrowBytes } from '../escrow/files';
import { readHolderCopy, type EscrowKeyType, type HolderCopy } from '../escrow/holder-copy';
import { attemptKey, processPassphraseThrottle, type PassphraseThrottle } from '../escrow/throttle';
import { buildJoinStatement, sealComponentForOffer, toQrSvg, verifyOffer } from './remote';
import type { CeremonyPlan } from '../../../shared/ceremony/plan';
import type { Clock } from '../platform/clock';
import { componentCheckValue } from './check-value';

/** `passphrases`: only for a re-seal (`startRewrap`), the proven passphrases by custodian or copy ID. */
export type PurposeHandler = (material: Uint8Array, purpose: Purpose, escrow: EscrowFile, passphrases?: RewrapPassphrases) => Promise<PurposeResult>;

export interface ActivationView {
  session: string;
  ceremony: string;
  transcriptFile: string;
  mode: 'split-knowledge' | 'quorum' | 'rewrap';
  purpose: { kind: PurposeKind; target: string };
  step: string;
  waitingFor: Role | null;
  waitingWords: string;
  participants: { id: string; name: string; role: Role; keyFingerprint: string }[];
  checkValues: string[];
  copyFingerprint: string | null;
  threshold: number | null;
  custodians: { id: string; name: string; entered: boolean }[];
  /** A re-seal's key-holder copies, each opened by its own knower (empty otherwise). */
  copies: { id: string; name: string; entered: boolean }[];
  /** The keeper who joined and has not yet presented the copy or entered a component. */
  pendingKeeper: string | null;
  result: PurposeResult | null;
  ended: { reason: string; message: string } | null;
}

/** Reads a file the page named: a regular file of escrow size only (never a device, FIFO or huge file). */
async function readKeeperFile(file: string, unreadable: string): Promise<Uint8Array> {
  try {
    return await readEscrowBytes(path.resolve(file));
  } catch (e) {
    if (isKeyholderError(e) && e.code !== 'escrow.file_unreadable') throw e;
    throw new KeyholderError('activation.file_unreadable', unreadable);
  }
}

/** The restore check as a purpose: the opened key must be the escrow's key (SPKI SHA-256 fingerprint). */
export const verifyRestorePurpose: PurposeHandler = async (material, _purpose, escrow) => {
  const { entry } = findEntry(escrow);
  const pub = createPublicKey(createPrivateKey({ key: Buffer.from(material.buffer, material.byteOffset, material.length), format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
  const fp = createHash('sha256').update(pub).digest('hex');
  if (fp !== entry.fingerprint) throw new KeyholderError('activation.wrong_key', 'The key opened is not the key this escrow names. Do not use this file.');
  return { fingerprint: fp, keyId: entry.keyId };
};

export function createActivationDesk(deps: {
  activation: ActivationService;
  participants: ParticipantsService;
  transcript: CeremonyTranscripts;
  /** Purposes this workstation can carry out; the vault import is plugged in by the composition root. */
  purposes?: Partial<Record<PurposeKind, PurposeHandler>>;
  /** The workstation's current ceremony (opened on first need); without it each activation opens its own. */
  ceremony?: () => Promise<string>;
  /** Counts wrong passphrases for every escrow opened here (defaults to the process-wide counter). */
  throttle?: PassphraseThrottle;
  /** For the expiry of requests from other workstations (defaults to the system time). */
  clock?: Clock;
  /** Live: rehearsal escrow files and test-KDF files are refused before any passphrase is asked for. */
  mode?: WorkstationMode;
}) {
  const now = () => deps.clock?.now() ?? new Date();
  /** Requests this workstation already sealed a component to (fingerprint, content, custodian): a replayed request is refused. */
  const sealedFor = new Set<string>();
  const throttle = deps.throttle ?? processPassphraseThrottle;
  const purposes: Partial<Record<PurposeKind, PurposeHandler>> = { 'escrow-restore': verifyRestorePurpose, ...deps.purposes };
  const meta = new Map<string, { ceremony: string; results: PurposeResult | null }>();

  function view(s: ActivationSession): ActivationView {
    const st = s.state;
    const plan = st.plan;
    const m = meta.get(s.id)!;
    return {
      session: s.id,
      ceremony: m.ceremony,
      transcriptFile: deps.transcript.pathOf(m.ceremony),
      mode: plan.mode,
      purpose: { kind: plan.purpose.kind, target: plan.purpose.target },
      step: st.step,
      waitingFor: expectedRole(st),
      waitingWords: describeStep(st.step),
      participants: st.participants.map((p) => ({ id: p.id, name: p.name, role: p.role, keyFingerprint: keyFingerprint(p.key) })),
      checkValues: st.components.map((c) => formatCheckValue(c.checkValue)),
      copyFingerprint: plan.mode === 'split-knowledge' ? plan.copyFingerprint : null,
      threshold: plan.mode === 'quorum' ? plan.threshold : null,
      custodians: plan.mode !== 'split-knowledge' ? plan.custodians.map((c) => ({ ...c, entered: st.components.some((x) => x.custodian === c.id) })) : [],
      copies: plan.mode === 'rewrap' ? plan.copies.map((c) => ({ ...c, entered: st.components.some((x) => x.custodian === c.id) })) : [],
      pendingKeeper: st.pendingKeeper ?? null,
      result: m.results,
      ended: st.abort ? { reason: st.abort.reason, message: st.abort.message } : null,
    };
  }

  /** Finds the participant enrolled on this workstation under this name (never enrols: review #14). */
  async function unlockByName(name: string, passphrase: string) {
    const n = normaliseName(name);
    const known = deps.participants.list().find((p) => normaliseName(p.name) === n);
    if (!known) {
      throw new KeyholderError('participant.not_enrolled', `${name.trim()} is not enrolled on this workstation. Participants are enrolled in the ceremony plan before the ceremony, in front of the supervisor (Ceremony plan, above the activation).`);
    }
    return deps.participants.unlock(known.id, passphrase);
  }

  function planView() {
    // The plan is shown above the enrolment form: get the strength estimator ready before anyone has typed a passphrase twice.
    void warmPassphraseEstimator();
    const { plan, fingerprint } = deps.participants.plan();
    const here = new Set(deps.participants.list().map((p) => p.key));
    return {
      fingerprint,
      participants: plan.participants.map((p) => ({ id: p.id, name: p.name, roles: p.roles, keyFingerprint: keyFingerprint(p.key), onThisWorkstation: here.has(p.key) })),
      workstations: plan.workstations.map((w) => ({ label: w.label, keyFingerprint: keyFingerprint(w.key) })),
      text: JSON.stringify(plan),
    };
  }
  const currentPlan = (): CeremonyPlan => deps.participants.plan().plan;

  return {
    /**
     * Starts an activation on an escrow file. Split knowledge takes a key-holder copy only, checked before anyone
     * joins (`readHolderCopy`): `keyType` is the key the purpose's key store imports (RSA for Azure Key Vault, AES
     * for AWS KMS), so the other cloud's copy is refused before four people gather.
     */
    async start(req: { mode: 'split-knowledge' | 'quorum'; escrowFile: string; purpose: { kind: PurposeKind; target: string; holder?: 1 | 2 }; keyType?: EscrowKeyType; ceremony?: string }): Promise<ActivationView> {
      // The re-seal needs every custodian's and copy's passphrase, which only its own activation collects (startRewrap).
      const handler = req.purpose.kind === 'escrow-rewrap' ? undefined : purposes[req.purpose.kind];
      if (!handler) throw new KeyholderError('activation.purpose_unavailable', `This workstation cannot carry out "${req.purpose.kind}" from here.`);
      let escrow: EscrowFile;
      let source: SealedCopyComponentSource | QuorumShareComponentSource;
      if (req.mode === 'split-knowledge') {
        const copy = await readHolderCopy(req.escrowFile, { ...(deps.mode ? { mode: deps.mode } : {}), ...(req.keyType ? { keyType: req.keyType } : {}) });
        escrow = copy.escrow;
        source = holderCopySource(copy, throttle);
      } else {
        escrow = parseEscrow(await readKeeperFile(req.escrowFile, `The file ${req.escrowFile} cannot be read. Check that the keeper's drive is connected, then choose the file again.`));
        assertEscrowUsable(escrow.header, deps.mode);
        source = escrowQuorumSource(escrow, undefined, throttle);
      }
      const ceremony = req.ceremony ?? (deps.ceremony ? await deps.ceremony() : (await deps.transcript.open({ app: 'Key Holder', opened: 'activation' })).ceremony);
      const s = deps.activation.start({ ceremony, purpose: req.purpose, source, plan: currentPlan(), onPurpose: (m, p) => handler(m, p, escrow) });
      meta.set(s.id, { ceremony, results: null });
      return view(s);
    },
    /**
     * The key rotation's escrow re-seal as a supervised activation: every
     * custodian of the escrow joins as a keeper and proves their passphrase,
     * the knower of each key-holder copy proves that copy's, the supervisor
     * attests, and only then does the `escrow-rewrap` purpose seal the new
     * key to those passphrases. Files are read and checked before anyone types.
     */
    async startRewrap(req: { escrowFile: string; holderCopies: string[]; purpose: { target: string }; ceremony?: string }): Promise<ActivationView> {
      const handler = purposes['escrow-rewrap'];
      if (!handler) throw new KeyholderError('activation.purpose_unavailable', 'This workstation cannot carry out "escrow-rewrap" yet.');
      const escrow = parseEscrow(await readKeeperFile(req.escrowFile, `The escrow file ${req.escrowFile} cannot be read. Check the path and that the custodians' drive is connected.`));
      assertEscrowUsable(escrow.header, deps.mode);
      const current = findEntry(escrow).entry;
      const copies: HolderCopy[] = [];
      for (const f of req.holderCopies) copies.push(await readHolderCopy(f, { ...(deps.mode ? { mode: deps.mode } : {}), currentKey: current }));
      const source = escrowRewrapSource(escrow, copies, throttle);
      const ceremony = req.ceremony ?? (deps.ceremony ? await deps.ceremony() : (await deps.transcript.open({ app: 'Key Holder', opened: 'activation' })).ceremony);
      const purpose: Purpose = { kind: 'escrow-rewrap', target: req.purpose.target };
      const s = deps.activation.start({ ceremony, purpose, source, plan: currentPlan(), onPurpose: (m, p, pp) => handler(m, p, escrow, pp) });
      meta.set(s.id, { ceremony, results: null });
      return view(s);
    },
    state: (session: string) => view(deps.activation.get(session)),
    async join(req: { session: string; role: Role; name: string; participantPassphrase: string; custodian?: string }): Promise<ActivationView> {
      const s = deps.activation.get(req.session);
      const signer = await unlockByName(req.name, req.participantPassphrase);
      try {
        s.join(signer.attest(req.role, s.joinStatement(req.role, signer, req.custodian)), req.custodian);
      } finally {
        signer.dispose();
      }
      return view(s);
    },
    presentCopy(req: { session: string }): ActivationView {
      const s = deps.activation.get(req.session);
      const keeper = s.state.pendingKeeper;
      const plan = s.state.plan;
      if (!keeper || plan.mode !== 'split-knowledge') throw new KeyholderError('ceremony.step_out_of_order', 'The keeper must join before presenting the sealed copy.');
      s.presentSealedCopy(keeper, plan.copyFingerprint);
      return view(s);
    },
    async enterPassphrase(req: { session: string; passphrase: string }): Promise<ActivationView> {
      const s = deps.activation.get(req.session);
      if (s.state.plan.mode === 'rewrap') {
        // A re-seal has one knower per key-holder copy: the one at the keyboard is the one who joined last.
        const pending = s.state.pendingKeeper;
        if (!pending || s.state.step !== 'knower-enters') throw new KeyholderError('ceremony.step_out_of_order', 'The knower of a key-holder copy must join before typing its passphrase.');
        await s.enterComponent(pending, req.passphrase);
        return view(s);
      }
      const knower = s.state.participants.find((p) => p.role === 'knower');
      if (!knower) throw new KeyholderError('ceremony.step_out_of_order', 'The knower must join before typing the passphrase.');
      await s.enterPassphrase(knower.id, req.passphrase);
      return view(s);
    },
    async enterComponent(req: { session: string; passphrase: string }): Promise<ActivationView> {
      const s = deps.activation.get(req.session);
      const keeper = s.state.pendingKeeper;
      if (!keeper) throw new KeyholderError('ceremony.step_out_of_order', 'The custodian must join before entering their component.');
      await s.enterComponent(keeper, req.passphrase);
      return view(s);
    },
    async attest(req: { session: string; participantPassphrase: string }): Promise<ActivationView> {
      const s = deps.activation.get(req.session);
      const sup = s.state.participants.find((p) => p.role === 'supervisor');
      if (!sup) throw new KeyholderError('ceremony.step_out_of_order', 'No supervisor has joined this activation.');
      const signer = await deps.participants.unlock(sup.id, req.participantPassphrase);
      try {
        await s.attest(signer.attest('supervisor', s.attestationStatement()));
      } finally {
        signer.dispose();
      }
      return view(s);
    },
    async carryOut(req: { session: string }): Promise<ActivationView> {
      const s = deps.activation.get(req.session);
      const result = await s.carryOut();
      meta.get(s.id)!.results = result;
      return view(s);
    },
    /** The ceremony plan as this workstation holds it: who may take part, in which roles, and its fingerprint. */
    plan: planView,
    /** Enrols a participant in the plan (before the ceremony, in front of the supervisor). */
    async enrol(req: { name: string; roles: Role[]; participantPassphrase: string }) {
      await deps.participants.enrol(req.name, req.participantPassphrase, req.roles);
      return planView();
    },
    /** Merges the other key holder's plan (exported text); its fingerprint is then compared aloud. */
    async importPlan(req: { text: string }) {
      await deps.participants.importPlan(req.text);
      return planView();
    },
    /** Two workstations: the signed one-time request (as text and QR code) a remote participant seals to, and its fingerprint. */
    async offer(req: { session: string }): Promise<{ offer: string; qrSvg: string; fingerprint: string }> {
      const { offer, fingerprint } = await deps.activation.get(req.session).offer();
      return { offer: JSON.stringify(offer), qrSvg: await toQrSvg(offer), fingerprint };
    },
    async receiveSealed(req: { session: string; sealed: string }): Promise<ActivationView> {
      const s = deps.activation.get(req.session);
      await s.receiveSealedComponent(req.sealed);
      return view(s);
    },
    /**
     * Run on the remote participant's own workstation: opens their share of
     * the escrow (or takes the knower's passphrase), signs the join with
     * their participant key, and seals it to the offer. Nothing secret is
     * returned: only the sealed package and its QR code.
     */
    async sealForRemote(req: { offer: string; content: 'share' | 'passphrase'; escrowFile?: string; custodian?: number; secret: string; name: string; participantPassphrase: string }): Promise<{ sealed: string; qrSvg: string | null; checkValue: string; offerFingerprint: string; purpose: string }> {
      // Before anything is opened: signed by a workstation of the plan, not expired, not sealed to before.
      const plan = currentPlan();
      const { offer, fingerprint } = verifyOffer(req.offer, plan, now());
      const once = `${fingerprint}/${req.content}/${req.custodian ?? ''}`;
      if (sealedFor.has(once)) {
        throw new KeyholderError('activation.offer_replayed', 'A component was already sealed to this request on this workstation. A request is answered once; if the sealed component was lost, ask the operator for a new request.');
      }
      let component: Uint8Array;
      let custodian: string | undefined;
      if (req.content === 'share') {
        if (!req.escrowFile || !req.custodian) throw new KeyholderError('activation.bad_request', 'Choose the escrow file and which custodian you are.');
        const bytes = await readKeeperFile(req.escrowFile, `The file ${req.escrowFile} cannot be read.`);
        const file = parseEscrow(bytes);
        if (findEntry(file).entry.policy.threshold < 2) {
          // A 1-of-N share is the whole content key: never sent across, however well sealed.
          throw new KeyholderError('activation.whole_key_refused', 'This file opens with one passphrase, so your "component" would be the whole key. It is never sent to another workstation: the keeper brings the file to the activating workstation instead.');
        }
        assertEscrowUsable(file.header, deps.mode);
        const index = req.custodian;
        // The same count as the desk's own sources: this path must not be an unthrottled way to guess a share's passphrase.
        const slot = await throttle.run(attemptKey(bytes, `custodian-${index}`), () => openSlot(file, undefined, index, req.secret));
        component = new Uint8Array(slot.piece.buffer, slot.piece.byteOffset, slot.piece.length);
        custodian = custodianId(req.custodian);
      } else {
        component = new Uint8Array(Buffer.from(req.secret, 'utf8'));
      }
      const checkValue = formatCheckValue(componentCheckValue(component));
      const signer = await unlockByName(req.name, req.participantPassphrase);
      try {
        const role = req.content === 'share' ? 'keeper' : 'knower';
        const join = signer.attest(role, buildJoinStatement(offer, role, signer, custodian));
        const pkg = await sealComponentForOffer(offer, { plan, now: now(), content: req.content, component, ...(custodian ? { custodian } : {}), join });
        sealedFor.add(once);
        let qrSvg: string | null = null;
        try {
          qrSvg = await toQrSvg(pkg);
        } catch {
          qrSvg = null;
        }
        return { sealed: JSON.stringify(pkg), qrSvg, checkValue, offerFingerprint: fingerprint, purpose: offer.purpose.target };
      } finally {
        component.fill(0);
        signer.dispose();
      }
    },
    async cancel(req: { session: string }): Promise<ActivationView> {
      const s = deps.activation.get(req.session);
      await s.cancel();
      return view(s);
    },
  };
}

export type ActivationDesk = ReturnType<typeof createActivationDesk>;
