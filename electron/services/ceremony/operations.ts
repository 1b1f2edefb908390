/**
 * The ceremony's recorded operations: each one calls the service that does
 * the work and, once it succeeded, appends the one transcript entry for that
 * step, with the one set of fields (`ceremonyEntries`). The IPC handlers map
 * a channel to an operation; `keyholder rehearse` runs the same operations on
 * its three workstations, so the script cannot drift from the app.
 *
 * Provider-neutral: the import goes through the vault service, the
 * registration and submission through the control-plane service; nothing here
 * knows which cloud holds the key. Fingerprints and identifiers only; never a
 * passphrase, secret or key byte.
 */
import path from 'node:path';
import { createHash } from 'node:crypto';
import { canonicalJson, type JsonObject } from '../../../shared/transcript/canonical';
import type { HolderNo } from '../../../shared/worksheet/model';
import type { WorksheetView } from '../../../shared/ipc/channels/worksheet';
import type { EnvironmentStatus, SubmissionReceipt } from '../../../shared/control-plane/api';
import { KeyholderError } from '../../../shared/errors/index';
import type { CeremonyStatus as EscrowStatus, EscrowService } from '../escrow/service';
import type { WorksheetService, HolderSave } from '../worksheet/service';
import type { ControlPlaneService, LocalReceipt } from '../control-plane/service';
import type { ImportDraft, OpenedCopy, VaultService } from '../vault/vault-service';
import type { AwsImportDraft, AwsKeyStoreService } from '../vault/aws-kms/key-store-service';
import type { KeyStoreValues } from '../control-plane/service';
import { connectedKeyStoreValues } from '../control-plane/connected-values';
import type { PolicyProposal } from '../vault/aws-kms/provider';
import { grantsOf, parseKeyPolicy } from '../../../shared/aws/key-policy';

/** Where entries go: the app's current ceremony, or the rehearsal's one transcript. */
export interface CeremonyRecorder {
  /** Appends one entry after the step succeeded. */
  note(kind: string, data: JsonObject): Promise<unknown>;
  /** Every entry of the open ceremony that recorded this kind (to skip recording what is already said). */
  recorded(kind: string): JsonObject[];
}

export interface Entry {
  kind: string;
  data: JsonObject;
}

type Registration = NonNullable<ReturnType<ControlPlaneService['registration']>>;
type PrimaryKey = NonNullable<EnvironmentStatus['primaryKey']>;

/** The holder a copy is for, from its label ("Key holder 2 - Jane Smith"). */
export function holderOfLabel(label: string): HolderNo | null {
  const m = /holder\s*#?\s*([12])\b/i.exec(label) ?? /^\s*([12])\b/.exec(label);
  return m ? (Number(m[1]) as HolderNo) : null;
}

/** The one set of fields of each step's entry (the step table's kinds, shared/ceremony/steps.ts). */
const ceremonyEntries = {
  worksheetSaved: (holder: HolderNo, line: { vaultHost: string; clientId: string; tenantId: string }): Entry => ({
    kind: 'worksheet.saved',
    data: { holder, vaultHost: line.vaultHost, applicationId: line.clientId, tenantId: line.tenantId },
  }),
  /** The AWS column of the worksheet (seed 002): where the key store lives, the vendor's role and the cache time. */
  awsWorksheetSaved: (holder: HolderNo, w: { keyLocation: string; vendorRoleArn: string; cacheMinutes: number }): Entry => ({
    kind: 'worksheet.saved',
    data: { holder, provider: 'aws-kms', keyLocation: w.keyLocation, vendorRoleArn: w.vendorRoleArn, cacheMinutes: w.cacheMinutes },
  }),
  keyGenerated: (st: EscrowStatus): Entry => ({
    kind: 'key.generated',
    // RSA entries keep their exact fields; an AES key (AWS KMS) says so.
    data: { fingerprint: st.key.fingerprint, keyId: st.key.keyId, modulusBits: st.key.modulusBits, checkValue: st.key.checkValue, ...(st.keyType === 'AES' ? { keyType: 'AES' } : {}) },
  }),
  escrowWritten: (st: EscrowStatus & { written: NonNullable<EscrowStatus['written']> }): Entry => ({
    kind: 'escrow.written',
    data: { fingerprint: st.key.fingerprint, escrowSha256: st.written.escrowSha256, custodians: st.custodians.map((c) => c.name), threshold: st.threshold ?? 1, weakestArtifact: path.basename(st.written.weakest.file) },
  }),
  testRestored: (st: EscrowStatus): Entry => ({ kind: 'escrow.test-restored', data: { fingerprint: st.key.fingerprint, verifiedBy: st.custodians.filter((c) => c.restoreVerified).map((c) => c.name) } }),
  holderCopyWritten: (st: EscrowStatus, copy: { label: string; file: string }): Entry => {
    const holder = holderOfLabel(copy.label);
    return { kind: 'holder-copy.written', data: { ...(holder ? { holder } : {}), fingerprint: st.key.fingerprint, file: path.basename(copy.file), label: copy.label } };
  },
  vaultImported: (r: { holder: HolderNo | null; fingerprint: string | null; keyVersionId: string }): Entry => ({
    kind: 'vault.imported',
    // The vault's host (worksheet line 1), read from the key version identifier, whatever the caller knew it as.
    data: { holder: r.holder, fingerprint: r.fingerprint, keyVersionId: r.keyVersionId, vault: hostOf(r.keyVersionId) },
  }),
  registrationRequested: (r: Registration): Entry => ({ kind: 'registration.requested', data: { holder: r.holder, registrationId: r.registrationId, vaultDnsName: r.vaultDnsName, status: r.status } }),
  registrationDone: (r: { holder: HolderNo | null; registrationId: string; vaultDnsName: string; status: string; decidedAt: string; confirmation?: string }): Entry => ({
    kind: 'registration.done',
    data: { holder: r.holder, registrationId: r.registrationId, vaultDnsName: r.vaultDnsName, status: r.status, decidedAt: r.decidedAt, ...(r.confirmation ? { confirmation: r.confirmation } : {}) },
  }),
  submission: (receipt: { holder: HolderNo; submissionId: string; envelopeSha256: string }, validation: string): Entry => ({
    kind: 'submission.receipt',
    data: { holder: receipt.holder, submissionId: receipt.submissionId, envelopeSha256: receipt.envelopeSha256, validation },
  }),
  /**
   * The key policies written on the holder's AWS keys, as shown before they
   * were applied: per key what the vendor's role is granted, the plan against
   * the policy it replaced (its SHA-256), the grants it widened and whether
   * the holder confirmed that widening.
   */
  awsKeyPolicyApplied: (r: { holder: HolderNo; vendorRoleArn: string; wideningConfirmed: boolean; primary: PolicyProposal; companion: PolicyProposal }): Entry => ({
    kind: 'aws.key-policy-applied',
    data: {
      holder: r.holder,
      vendorRoleArn: r.vendorRoleArn,
      wideningConfirmed: r.wideningConfirmed,
      keys: [policyApplied('encryption', r.primary, r.vendorRoleArn), policyApplied('companion-hmac', r.companion, r.vendorRoleArn)],
    },
  }),
  statusChanged: (pk: PrimaryKey): Entry => ({ kind: 'status.changed', data: { status: pk.status, primaryKeyId: pk.primaryKeyId, name: pk.name, checkedAt: pk.checkedAt } }),
};

function policyApplied(keyRole: 'encryption' | 'companion-hmac', p: PolicyProposal, vendorRoleArn: string): JsonObject {
  const vendorActions = [...(grantsOf(parseKeyPolicy(p.proposedPolicy)).allows.get(vendorRoleArn) ?? [])].sort();
  return {
    keyRole,
    keyArn: p.keyArn,
    vendorActions,
    changes: p.lines,
    widened: p.plan.widened,
    unchanged: p.plan.unchanged,
    replacedPolicySha256: p.currentSha256,
    appliedPolicySha256: createHash('sha256').update(p.proposedPolicy, 'utf8').digest('hex'),
  };
}

function hostOf(keyVersionId: string): string | null {
  // An AWS key ARN: the location (arn:aws:kms:{region}:{account}) plays the vault's part.
  if (keyVersionId.startsWith('arn:')) return keyVersionId.split(':').slice(0, 5).join(':');
  try {
    return new URL(keyVersionId).host;
  } catch {
    return null;
  }
}

/** Entries are stored in canonical JSON (sorted keys), so compare in that form. */
const sameData = (a: JsonObject, b: JsonObject) => canonicalJson(a) === canonicalJson(b);

export interface CeremonyOperationsDeps {
  worksheet: WorksheetService;
  escrow: EscrowService;
  controlPlane: ControlPlaneService;
  vault: Pick<VaultService, 'importOpened'>;
  /** The holder's AWS KMS key store, when this workstation's key store is AWS (seed 002). */
  awsKeyStore?: Pick<AwsKeyStoreService, 'saveDraft' | 'importOpened' | 'keyStoreValues' | 'record' | 'location' | 'applyPolicies'>;
  recorder: CeremonyRecorder;
}

export type CeremonyOperations = ReturnType<typeof createCeremonyOperations>;

export function createCeremonyOperations(d: CeremonyOperationsDeps) {
  const put = (e: Entry) => d.recorder.note(e.kind, e.data);
  const cp = d.controlPlane;

  /** Worksheet saved: one entry per holder whose identifying lines are filled and differ from what is recorded. */
  async function worksheetSaved(v: WorksheetView): Promise<void> {
    for (const h of [1, 2] as const) {
      const mine = h === 1 ? v.holder1 : v.holder2;
      if (!mine.vaultHost || !mine.clientId || !mine.tenantId) continue;
      const e = ceremonyEntries.worksheetSaved(h, mine);
      const last = d.recorder.recorded(e.kind).filter((x) => x.holder === h).at(-1);
      if (last && sameData(last, e.data)) continue;
      await put(e);
    }
  }

  /** The vendor's confirmation (or, in live mode, one recorded out of band), once per registration. */
  async function registrationConfirmed(): Promise<void> {
    const r = cp.registration();
    const gate = cp.importGate();
    let e: Entry | null = null;
    if (r && r.status === 'registered') e = ceremonyEntries.registrationDone({ holder: r.holder, registrationId: r.registrationId, vaultDnsName: r.vaultDnsName, status: r.status, decidedAt: r.decidedAt ?? '' });
    else if (gate.allowed && gate.via === 'out_of_band') {
      e = ceremonyEntries.registrationDone({ holder: (cp.view().holder as HolderNo | undefined) ?? null, registrationId: 'out-of-band', vaultDnsName: r?.vaultDnsName ?? '', status: 'confirmed out of band', decidedAt: '', confirmation: gate.reason });
    }
    if (!e) return;
    const entry = e;
    if (d.recorder.recorded(entry.kind).some((x) => x.registrationId === entry.data.registrationId && x.vaultDnsName === entry.data.vaultDnsName)) return;
    await put(entry);
  }

  /** A change of the primary key's status (not every poll). */
  async function statusChanged(): Promise<void> {
    const pk = cp.lastStatus()?.primaryKey;
    if (!pk) return;
    const last = d.recorder.recorded('status.changed').at(-1);
    if (last && last.primaryKeyId === pk.primaryKeyId && last.status === pk.status) return;
    await put(ceremonyEntries.statusChanged(pk));
  }

  async function awsWorksheetSaved(holder: HolderNo, w: { keyLocation: string; vendorRoleArn: string; cacheMinutes: number }): Promise<void> {
    const e = ceremonyEntries.awsWorksheetSaved(holder, w);
    const last = d.recorder.recorded(e.kind).filter((x) => x.holder === holder).at(-1);
    if (!last || !sameData(last, e.data)) await put(e);
  }

  function aws(): NonNullable<CeremonyOperationsDeps['awsKeyStore']> {
    if (!d.awsKeyStore) throw new KeyholderError('aws.not_configured', 'AWS KMS is not set up on this workstation.');
    return d.awsKeyStore;
  }

  /** The connected holder's key-store values: the AWS key store's once it was imported here, else the worksheet's (Azure). */
  async function valuesToSubmit(typedSecret?: string): Promise<KeyStoreValues> {
    return connectedKeyStoreValues({ holder: () => cp.view().holder as HolderNo | undefined, worksheet: d.worksheet, ...(d.awsKeyStore ? { awsKeyStore: d.awsKeyStore } : {}) }, typedSecret);
  }

  return {
    async saveWorksheet(req: { holder1: HolderSave; holder2: HolderSave }): Promise<WorksheetView> {
      const v = await d.worksheet.save(req);
      await worksheetSaved(v);
      return v;
    },
    async startEscrow(req: Parameters<EscrowService['startCeremony']>[0]): Promise<EscrowStatus> {
      const st = await d.escrow.startCeremony(req);
      await put(ceremonyEntries.keyGenerated(st));
      return st;
    },
    async writeEscrow(sessionId: string): Promise<EscrowStatus> {
      const st = await d.escrow.writeFiles(sessionId);
      if (st.written) await put(ceremonyEntries.escrowWritten({ ...st, written: st.written }));
      return st;
    },
    /** Recorded once, on the call that verified the last custodian. */
    async testRestore(sessionId: string, index: number, passphrase: string): Promise<EscrowStatus> {
      const st = await d.escrow.testRestore(sessionId, index, passphrase);
      if (st.restoreDone && !d.recorder.recorded('escrow.test-restored').some((x) => x.fingerprint === st.key.fingerprint)) await put(ceremonyEntries.testRestored(st));
      return st;
    },
    async writeHolderCopy(sessionId: string, label: string, passphrase: string): Promise<EscrowStatus> {
      const st = await d.escrow.createHolderCopy(sessionId, label, passphrase);
      const copy = st.holderCopies.at(-1);
      if (copy) await put(ceremonyEntries.holderCopyWritten(st, copy));
      return st;
    },
    /** The import of an opened holder copy (inside a supervised activation's purpose). */
    async importIntoVault(req: ImportDraft, copy: OpenedCopy): Promise<Awaited<ReturnType<VaultService['importOpened']>>> {
      const out = await d.vault.importOpened(req, copy);
      await put(ceremonyEntries.vaultImported({ holder: req.holder, fingerprint: out.fingerprint, keyVersionId: out.keyVersionId }));
      return out;
    },
    /**
     * The AWS column of the worksheet saved for this holder (the AWS worksheet
     * screen, once the line says where the key store lives); recorded when it
     * differs from what is recorded.
     */
    awsWorksheetSaved,
    /** The AWS key store's draft saved (checked) for this holder, and its worksheet column recorded as above. */
    async saveAwsKeyStore(draft: AwsImportDraft): Promise<void> {
      const ks = aws();
      ks.saveDraft(draft);
      await awsWorksheetSaved(draft.holder, { keyLocation: ks.location(draft), vendorRoleArn: draft.vendorRoleArn, cacheMinutes: draft.cacheMinutes });
    },
    /** The AWS KMS import of an opened holder copy (inside a supervised activation's purpose). */
    async importIntoAws(draft: AwsImportDraft, copy: OpenedCopy): Promise<Awaited<ReturnType<AwsKeyStoreService['importOpened']>>> {
      const out = await aws().importOpened(draft, copy);
      await put(ceremonyEntries.vaultImported({ holder: draft.holder, fingerprint: out.fingerprint, keyVersionId: out.keyArn }));
      return out;
    },
    /**
     * The key policies the holder was shown (plan against the current ones),
     * applied to the AWS key and its companion, then recorded: what the
     * vendor's role gets, the diff, and a widening the holder confirmed. A
     * second apply that changes nothing is not recorded again.
     */
    async applyAwsPolicies(proposals: { primary: PolicyProposal; companion: PolicyProposal }, confirm: { widening?: boolean } = {}): Promise<void> {
      const ks = aws();
      await ks.applyPolicies(proposals, confirm);
      const draft = ks.record()!.draft;
      const e = ceremonyEntries.awsKeyPolicyApplied({ holder: draft.holder, vendorRoleArn: draft.vendorRoleArn, wideningConfirmed: confirm.widening === true, ...proposals });
      const nothingChanged = proposals.primary.plan.unchanged && proposals.companion.plan.unchanged;
      if (nothingChanged && d.recorder.recorded(e.kind).some((x) => x.holder === draft.holder && JSON.stringify((x.keys as JsonObject[] | undefined)?.map((k) => k.keyArn)) === JSON.stringify([proposals.primary.keyArn, proposals.companion.keyArn]))) return;
      await put(e);
    },
    /** After the app's activation whose purpose imported the key: its result names the key version. */
    async vaultImported(result: JsonObject | null): Promise<void> {
      if (!result || typeof result.keyVersionId !== 'string') return;
      const holder = result.holder === 1 || result.holder === 2 ? result.holder : null;
      await put(ceremonyEntries.vaultImported({ holder, fingerprint: typeof result.fingerprint === 'string' ? result.fingerprint : null, keyVersionId: result.keyVersionId }));
    },
    async requestRegistration(vaultDnsName: string): Promise<void> {
      await cp.requestRegistration(vaultDnsName);
      const r = cp.registration();
      if (r) await put(ceremonyEntries.registrationRequested(r));
      await registrationConfirmed();
    },
    async refreshRegistration(): Promise<void> {
      await cp.refreshRegistration();
      await registrationConfirmed();
    },
    async recordOutOfBand(req: { vaultDnsName: string; reference: string; confirmedBy: string }): Promise<void> {
      cp.recordOutOfBandConfirmation(req);
      await registrationConfirmed();
    },
    /** What the poller may have seen since: the vendor's confirmation, a status change. */
    async observeVendor(): Promise<void> {
      await registrationConfirmed();
      await statusChanged();
    },
    /** The connected holder's key-store values (the AWS key store's, or the worksheet's). */
    async keyStoreValues(typedSecret?: string): Promise<KeyStoreValues> {
      return valuesToSubmit(typedSecret);
    },
    async submit(typedSecret?: string): Promise<{ receipt: LocalReceipt; answer: SubmissionReceipt }> {
      const out = await cp.submit(await valuesToSubmit(typedSecret));
      await put(ceremonyEntries.submission(out.receipt, out.answer.validation.state));
      await statusChanged();
      return out;
    },
    async checkStatus(refresh: boolean): Promise<EnvironmentStatus> {
      const st = await cp.status({ refresh });
      await statusChanged();
      return st;
    },
  };
}
