/**
 * Rotation to a new primary key, as a guided new ceremony. In a dual-vault
 * setup a vault-side "rotate" would make different key material in each
 * vault, so instead: a new source key is added to the escrow file (same
 * file, new key ID) and to each key-holder copy, each holder imports it into
 * their vault (a new version of the same key name), each submits it, and the
 * vendor makes a new primary key. The old key stays enabled until the vendor
 * reports it "No longer in use" in every library it protected, then for 90
 * more days (seed 000: the vendor may need to restore content from backups);
 * only then is disabling it offered. It is never deleted (seed 002).
 *
 * Every step is recorded in <dataDir>/lifecycle/rotation.json as soon as it
 * is done, and each step checks what already happened, so the wizard resumes
 * after a crash or on another day.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import type { EnvironmentStatus, LibraryKey, PrimaryKey } from '../../../shared/control-plane/api';
import { appendKeys, parseEscrow, requireRsaEntry, serializeEscrow, type EscrowFile } from '../../../shared/escrow/format';
import type { KdfProfile } from '../../../shared/escrow/kdf-profiles';
import { assertEscrowUsable, type WorkstationMode } from '../../../shared/escrow/mode-policy';
import { describeDaysLeft } from '../../../shared/expiry/dashboard';
import { thresholdForDaysLeft } from '../../../shared/expiry/reminders';
import { generateSourceKey, identityOf, type RsaSize } from '../keys/source-key';
import { generateSymmetricKey, symmetricFingerprint } from '../keys/symmetric-key';
import { openKey, sealKey } from '../escrow/seal';
import { readEscrowBytes, sha256Hex } from '../escrow/files';
import { holderCopyPurpose, readCustodiansEscrow, readHolderCopy } from '../escrow/holder-copy';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import type { KeyStoreLifecycleProvider } from '../vault/provider';
import type { OpenedCopy } from '../vault/vault-service';
import type { JsonObject } from '../../../shared/transcript/canonical';
import { confirmationText, normalise, type Holder } from './words';
import { parseKeyVersionId, type HeldKeyStore } from './service';

const RETIREMENT_WAIT_DAYS = 90;
const DAY_MS = 86_400_000;

export type KeyRotationStep = 'add-key' | 'import' | 'submit' | 'wait-available' | 'wait-no-longer-in-use' | 'wait-90-days' | 'disable-offered' | 'done';

interface KeyRotationRecord {
  version: 1;
  id: string;
  startedAt: string;
  holder: Holder;
  oldKey: { keyVersionId: string; primaryKeyId: string | null; fingerprint: string | null };
  /** `joined`: the re-seal ran on another workstation (holder 1's, or the custodians'); this holder's copy brought the new key here. */
  newKey?: { keyId: string; fingerprint: string; escrowFile: string; holderCopies: string[]; at: string; joined?: boolean };
  /** The escrow and key-holder copies (with their SHA-256) named when the supervised re-seal was started; the purpose writes exactly these. */
  addKeyRequest?: { escrowFile: string; escrowSha256: string; holderCopies: { file: string; sha256: string }[] };
  /** The holder copy and key name chosen when the supervised import activation was started; the purpose imports exactly this. */
  importRequest?: { holderCopyPath: string; keyName: string; /** AWS KMS: the new material's expiry (null: does not expire). */ validTo?: string | null };
  imported?: { keyVersionId: string; at: string };
  submitted?: { at: string };
  available?: { primaryKeyId: string; at: string };
  noLongerInUse?: { since: string; seenAt: string };
  disabled?: { at: string };
}

export interface KeyRotationView {
  id: string;
  /** Which key store rotates: the screens say "vault" and "key version" for Azure, "KMS key" and "account" for AWS. */
  keyStoreKind: 'azure-key-vault' | 'aws-kms';
  startedAt: string;
  holder: Holder;
  step: KeyRotationStep;
  oldKey: KeyRotationRecord['oldKey'] & { libraries: LibraryKey[] };
  /** `joined`: the re-seal ran on another workstation and this holder's copy brought the new key. */
  newKey: { keyId: string; fingerprint: string; joined: boolean } | null;
  importedKeyVersionId: string | null;
  submittedAt: string | null;
  newPrimaryKey: { primaryKeyId: string; status: string } | null;
  noLongerInUseSince: string | null;
  disableAllowedAt: string | null;
  /** Countdown to the disable offer, in the expiry engine's words, with its reminder threshold (90/60/30/14/7/3/1 days). */
  countdown: { daysLeft: number; text: string; reminderThreshold: number | null } | null;
  /** The exact words to type when the disable is offered. */
  disableConfirmation: string | null;
  disabledAt: string | null;
  /** What the holder should do now. */
  next: string;
}

export interface KeyRotationDeps {
  dataDir: string;
  clock: Clock;
  log: Logger;
  kdf?: KdfProfile;
  /** Rehearsal: new keys are marked as rehearsal keys. Live: rehearsal or test-KDF files are refused. */
  mode?: WorkstationMode;
  provider: () => KeyStoreLifecycleProvider;
  held: () => HeldKeyStore;
  vendorStatus: (refresh: boolean) => Promise<EnvironmentStatus | null>;
  /**
   * Imports the new key, already opened by a supervised activation (keeper's
   * copy, knower's passphrase, supervisor's attestation), into the holder's
   * vault under the same key name (a new version). Never sees a passphrase.
   */
  importNewKey: (req: { opened: OpenedCopy; holderCopyPath: string; vaultUrl: string; keyName: string; holder: Holder; validTo?: string | null }) => Promise<{ keyVersionId: string; fingerprint: string; keyId: string }>;
  /**
   * A key store whose material expires (AWS KMS): the new key's expiry from the holder's choice (undefined: none
   * given), checked; throws a KeyholderError naming what to choose. Undefined: the key store has no such expiry.
   */
  rotationExpiry?: (requested: string | null | undefined) => string | null | undefined;
  /** The escrowed key the held key store holds (from its import record): a copy joined to the rotation must hold it too, before the new key. */
  heldKey?: () => { keyId: string; fingerprint: string } | null;
  /** Submits this holder's key store (worksheet lines 1-4, line 2 now the new version) to the vendor. */
  submitKeyStore: (clientSecret?: string) => Promise<void>;
  record: (kind: string, data: JsonObject) => Promise<void>;
}

async function writeBytesAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  await fs.promises.writeFile(tmp, bytes, { mode: 0o600 });
  await fs.promises.rename(tmp, file);
}

export class KeyRotationService {
  private readonly file: string;

  constructor(private readonly deps: KeyRotationDeps) {
    this.file = path.join(deps.dataDir, 'lifecycle', 'rotation.json');
  }

  private read(): KeyRotationRecord | null {
    try {
      const r = JSON.parse(fs.readFileSync(this.file, 'utf8')) as KeyRotationRecord;
      if (r.version !== 1 || !r.oldKey?.keyVersionId) throw new Error('bad');
      return r;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new KeyholderError('lifecycle.rotation_damaged', `The rotation record (${this.file}) cannot be read. Move it aside to start again; your vault and escrow were not changed by this.`);
    }
  }

  private write(r: KeyRotationRecord): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(r, null, 1), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  private require(): KeyRotationRecord {
    const r = this.read();
    if (!r) throw new KeyholderError('lifecycle.no_rotation', 'No rotation to a new primary key has been started on this workstation.');
    return r;
  }

  async start(): Promise<KeyRotationView> {
    const existing = this.read();
    if (existing && !existing.disabled) return this.view();
    const held = this.deps.held();
    const st = await this.deps.vendorStatus(true).catch(() => null);
    const pk = vendorKeyOf(st, held.keyVersionId);
    const r: KeyRotationRecord = {
      version: 1,
      id: crypto.randomUUID(),
      startedAt: this.deps.clock.now().toISOString(),
      holder: held.holder,
      oldKey: { keyVersionId: held.keyVersionId, primaryKeyId: pk?.primaryKeyId ?? null, fingerprint: null },
    };
    this.write(r);
    await this.deps.record('rotation.started', { rotationId: r.id, holder: r.holder, oldKeyVersionId: r.oldKey.keyVersionId, oldPrimaryKeyId: r.oldKey.primaryKeyId ?? '' });
    return this.view();
  }

  /**
   * Prepares the escrow re-seal: checks the escrow file and the key-holder
   * copies (before anyone types a passphrase), records them with their
   * SHA-256, and returns what the supervised `escrow-rewrap` activation states
   * as its purpose. The passphrases are entered inside that activation, never here.
   */
  async prepareAddKey(req: { escrowFile: string; holderCopies: string[] }): Promise<{ target: string }> {
    const r = this.require();
    if (r.newKey) throw new KeyholderError('lifecycle.rotation_order', 'The new key is already in the escrow. Import it into your vault next.');
    // The checks the panel's file chooser made, again here: the files may have changed since.
    const escrow = await readCustodiansEscrow(req.escrowFile, this.deps.mode ? { mode: this.deps.mode } : {});
    const current = escrow.entry;
    const copies: { file: string; sha256: string }[] = [];
    for (const file of req.holderCopies) {
      const copy = await readHolderCopy(file, { ...(this.deps.mode ? { mode: this.deps.mode } : {}), currentKey: current });
      copies.push({ file, sha256: copy.sha256 });
    }
    r.addKeyRequest = { escrowFile: req.escrowFile, escrowSha256: escrow.sha256, holderCopies: copies };
    this.write(r);
    return { target: this.rewrapTarget(r, current.keyId, current.custodians.map((c) => c.name))! };
  }

  /** The re-seal activation's stated purpose: which rotation, escrow, current key, custodians and copies. */
  private rewrapTarget(r: KeyRotationRecord, currentKeyId: string, custodians: string[]): string | null {
    if (!r.addKeyRequest) return null;
    const copies = r.addKeyRequest.holderCopies.length;
    return `Key holder ${r.holder}: rotation ${r.id.slice(0, 8)}, re-seal ${path.basename(r.addKeyRequest.escrowFile)} (key ${currentKeyId.slice(0, 8)}) with a new key for ${custodians.join(', ')} and ${copies} key-holder ${copies === 1 ? 'copy' : 'copies'}`.slice(0, 300);
  }

  /**
   * The re-seal as the purpose of a supervised activation: adds a new source
   * key to the escrow file, sealed to every custodian, and to each key-holder
   * copy, with the passphrases the activation proved (`custodian-N`, `copy-N`)
   * after the supervisor's attestation. The files must be byte for byte the
   * ones prepared (and `escrowSha256`, the escrow the activation checked the
   * passphrases against), and `target` what the supervisor attested to.
   */
  async addKeyAttested(req: { passphrases: ReadonlyMap<string, Uint8Array>; escrowSha256: string }, target: string): Promise<KeyRotationView> {
    const r = this.require();
    if (r.newKey) return this.view();
    const request = r.addKeyRequest;
    if (!request) throw new KeyholderError('lifecycle.rotation_order', 'Start the re-seal of the escrow from the key rotation panel first.');
    const escrowBytes = await readEscrowBytes(request.escrowFile);
    const escrow = parseEscrow(escrowBytes);
    assertEscrowUsable(escrow.header, this.deps.mode);
    const current = escrow.header.keys.at(-1)!;
    const names = current.custodians.map((c) => c.name);
    if (this.rewrapTarget(r, current.keyId, names) !== target || sha256Hex(escrowBytes) !== request.escrowSha256 || req.escrowSha256 !== request.escrowSha256) {
      throw new KeyholderError('lifecycle.rewrap_changed', 'The escrow file or the re-seal changed after this activation started, so the supervisor did not attest to it. Nothing was written; start the re-seal again.');
    }
    const text = (id: string) => {
      const b = req.passphrases.get(id);
      if (!b) throw new KeyholderError('lifecycle.custodians_missing', `Every custodian of the escrow (${names.join(', ')}) and every key-holder copy's knower must enter their passphrase: the new key is sealed to each of them.`);
      return Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
    };
    const given = names.map((name, i) => ({ name, passphrase: text(`custodian-${i + 1}`) }));
    const copies: { file: string; passphrase: string; parsed: EscrowFile; name: string }[] = [];
    for (const [i, c] of request.holderCopies.entries()) {
      const copyBytes = await readEscrowBytes(c.file);
      if (sha256Hex(copyBytes) !== c.sha256) throw new KeyholderError('lifecycle.rewrap_changed', `${path.basename(c.file)} changed after the re-seal started. Nothing was written; start the re-seal again.`);
      const parsed = parseEscrow(copyBytes);
      copies.push({ file: c.file, passphrase: text(`copy-${i + 1}`), parsed, name: parsed.header.keys.at(-1)!.custodians[0]!.name });
    }
    // The new key is of the current key's type: RSA for Azure Key Vault, a 256-bit AES key for AWS KMS.
    const aes = current.keyType === 'AES';
    const fresh = aes ? generateSymmetricKey() : await generateSourceKey(requireRsaEntry(current).modulusBits as RsaSize);
    const key = { keyId: fresh.keyId, identity: fresh.identity, sealable: 'secretKey' in fresh ? fresh.secretKey : fresh.privateKey };
    const now = this.deps.clock.now();
    const mark = this.deps.mode === 'rehearsal' ? { environment: 'rehearsal' as const } : {};
    const sealed = await sealKey(key.sealable, { keyId: key.keyId, purpose: current.purpose, created: now, ...mark }, given, current.policy.threshold, this.deps.kdf);
    await writeBytesAtomic(request.escrowFile, serializeEscrow(appendKeys(escrow, sealed)));
    // Test-restore from disk before any holder copy is made from it.
    const back = parseEscrow(await readEscrowBytes(request.escrowFile));
    const unlocks = given.slice(0, current.policy.threshold).map((g, i) => ({ custodian: i + 1, passphrase: g.passphrase }));
    const restored = await openKey(back, key.keyId, unlocks);
    const restoredFp = aes ? symmetricFingerprint(restored.pkcs8) : identityOf(crypto.createPrivateKey({ key: restored.pkcs8, format: 'der', type: 'pkcs8' })).fingerprint;
    restored.pkcs8.fill(0);
    if (restoredFp !== key.identity.fingerprint) throw new KeyholderError('lifecycle.escrow_check_failed', 'The escrow file did not give back the new key. Stop and contact the supervisor.');
    for (const c of copies) {
      const added = await sealKey(key.sealable, { keyId: key.keyId, purpose: holderCopyPurpose(c.name), created: now, ...mark }, [{ name: c.name, passphrase: c.passphrase }], 1, this.deps.kdf);
      await writeBytesAtomic(c.file, serializeEscrow(appendKeys(c.parsed, added)));
    }
    r.oldKey.fingerprint = current.fingerprint;
    r.newKey = { keyId: key.keyId, fingerprint: key.identity.fingerprint, escrowFile: request.escrowFile, holderCopies: copies.map((c) => c.file), at: now.toISOString() };
    this.write(r);
    await this.deps.record('rotation.key-added', { rotationId: r.id, keyId: key.keyId, fingerprint: key.identity.fingerprint, escrowKeys: back.header.keys.length, supervised: true });
    return this.view();
  }

  /**
   * The other holder's side of the same rotation: the escrow re-seal ran once,
   * on another workstation, and appended the new key to every key-holder copy
   * brought to it. This workstation learns the new key from its own copy's
   * header (no passphrase, nothing decrypted): the copy's newest key, which
   * must follow the key this workstation's key store holds and be of its type.
   * Whether both holders import the same new key is then proven by the vendor
   * (on AWS, the companion keys' MACs; on Azure, cross-decryption), never
   * assumed here.
   */
  async joinWithHolderCopy(req: { holderCopyPath: string }): Promise<KeyRotationView> {
    const r = this.require();
    if (r.newKey) throw new KeyholderError('lifecycle.rotation_order', 'This rotation already has its new key. Import it next.');
    // A key-holder copy usable on this workstation (holder-copy.ts), before its keys are compared with the key store's.
    const file = (await readHolderCopy(req.holderCopyPath, this.deps.mode ? { mode: this.deps.mode } : {})).escrow;
    const keys = file.header.keys;
    const newest = keys.at(-1)!;
    const held = this.deps.heldKey?.() ?? null;
    const heldAt = held ? keys.findIndex((k) => k.fingerprint === held.fingerprint) : -1;
    if (!held || heldAt < 0) {
      throw new KeyholderError('lifecycle.copy_not_yours', `${path.basename(req.holderCopyPath)} does not hold the key your key store holds now, so it is not your key-holder copy from this ceremony. Choose your own copy. Nothing was recorded.`);
    }
    if (heldAt === keys.length - 1) {
      throw new KeyholderError(
        'lifecycle.no_new_key',
        `${path.basename(req.holderCopyPath)} holds no key newer than the one your key store holds: the re-seal has not added the new key to this copy. Bring the copy to the supervised re-seal (or use the copy that was there). Nothing was recorded.`,
      );
    }
    if (newest.keyType !== keys[heldAt]!.keyType) {
      throw new KeyholderError('lifecycle.wrong_key_imported', `The newest key in ${path.basename(req.holderCopyPath)} is of another type than your key store’s key. Choose the copy the rotation added the new key to. Nothing was recorded.`);
    }
    r.oldKey.fingerprint = held.fingerprint;
    r.newKey = { keyId: newest.keyId, fingerprint: newest.fingerprint, escrowFile: '', holderCopies: [req.holderCopyPath], at: this.deps.clock.now().toISOString(), joined: true };
    this.write(r);
    await this.deps.record('rotation.key-joined', { rotationId: r.id, holder: r.holder, keyId: newest.keyId, fingerprint: newest.fingerprint, copy: path.basename(req.holderCopyPath) });
    return this.view();
  }

  /**
   * Prepares the import step: records which holder copy and key name the
   * supervised activation will import, and returns what the activation states
   * as its purpose (the supervisor attests to exactly this). The passphrase
   * is typed by the knower inside the activation, never here.
   */
  prepareImport(req: { holderCopyPath: string; keyName?: string; validTo?: string | null }): { target: string; holder: Holder } {
    const r = this.require();
    if (!r.newKey) throw new KeyholderError('lifecycle.rotation_order', 'Add the new key to the escrow first.');
    if (r.imported) throw new KeyholderError('lifecycle.rotation_order', 'The new key is already imported into your vault. Submit it to the vendor next.');
    const old = parseKeyVersionId(r.oldKey.keyVersionId);
    const keyName = (req.keyName ?? old.keyName).trim() || old.keyName;
    const validTo = this.deps.rotationExpiry?.(req.validTo);
    r.importRequest = { holderCopyPath: req.holderCopyPath, keyName, ...(validTo !== undefined ? { validTo } : {}) };
    this.write(r);
    return { target: this.importTarget(r)!, holder: r.holder };
  }

  /** The activation's stated purpose for the pending import, or null when none is prepared. */
  private importTarget(r: KeyRotationRecord): string | null {
    if (!r.newKey || !r.importRequest) return null;
    const host = parseKeyVersionId(r.oldKey.keyVersionId).vaultHost;
    // AWS KMS: the new key goes into a new KMS key beside the old one (a KMS key never takes other material).
    if (isAwsKey(r.oldKey.keyVersionId)) {
      // The expiry is part of what the supervisor attests to.
      const until = r.importRequest.validTo === undefined ? '' : r.importRequest.validTo ? `, valid to ${r.importRequest.validTo}` : ', not expiring';
      return `Key holder ${r.holder}: rotation ${r.id.slice(0, 8)}, import new key ${r.newKey.keyId} into a new KMS key in ${host}${until}`.slice(0, 300);
    }
    return `Key holder ${r.holder}: rotation ${r.id.slice(0, 8)}, import new key ${r.newKey.keyId} as a new version of ${r.importRequest.keyName} in ${host}`.slice(0, 300);
  }

  /**
   * The rotation's import as the purpose of a supervised activation. The key
   * was opened by the activation; it must be the rotation's new key (checked
   * before anything reaches the vault) and the purpose must be the one the
   * supervisor attested to.
   */
  async importOpened(opened: OpenedCopy, target: string): Promise<KeyRotationView> {
    const r = this.require();
    if (!r.newKey) throw new KeyholderError('lifecycle.rotation_order', 'Add the new key to the escrow first.');
    if (r.imported) return this.view();
    if (!r.importRequest || this.importTarget(r) !== target) {
      throw new KeyholderError('lifecycle.import_changed', 'The rotation import was changed after this activation started, so the supervisor did not attest to it. Start the import again.');
    }
    if (opened.fingerprint !== r.newKey.fingerprint || opened.keyId !== r.newKey.keyId) {
      throw new KeyholderError('lifecycle.wrong_key_imported', 'That key-holder copy does not hold the rotation’s new key. Choose the copy the rotation added the new key to. Nothing was imported.');
    }
    const old = parseKeyVersionId(r.oldKey.keyVersionId);
    const out = await this.deps.importNewKey({
      opened,
      holderCopyPath: r.importRequest.holderCopyPath,
      vaultUrl: old.vaultUrl,
      keyName: r.importRequest.keyName,
      holder: r.holder,
      ...(r.importRequest.validTo !== undefined ? { validTo: r.importRequest.validTo } : {}),
    });
    if (out.fingerprint !== r.newKey.fingerprint) throw new KeyholderError('lifecycle.wrong_key_imported', 'The vault did not report the rotation’s new key. Nothing was recorded.');
    if (out.keyVersionId === r.oldKey.keyVersionId) throw new KeyholderError('lifecycle.wrong_key_imported', 'The vault returned the old key version. Nothing was recorded.');
    r.imported = { keyVersionId: out.keyVersionId, at: this.deps.clock.now().toISOString() };
    this.write(r);
    await this.deps.record('rotation.imported', { rotationId: r.id, holder: r.holder, keyVersionId: out.keyVersionId });
    return this.view();
  }

  async submit(req: { clientSecret?: string } = {}): Promise<KeyRotationView> {
    const r = this.require();
    if (!r.imported) throw new KeyholderError('lifecycle.rotation_order', 'Import the new key into your vault first.');
    if (!r.submitted) {
      if (isAwsKey(r.oldKey.keyVersionId)) {
        // Seed 002: the vendor decrypts its data key with the previous key while it rotates; it must stay enabled.
        const old = await this.deps.provider().keyVersionHealth(r.oldKey.keyVersionId);
        if (old.state !== 'available') {
          throw new KeyholderError(
            'lifecycle.previous_key_unavailable',
            `The previous key ${r.oldKey.keyVersionId} is not enabled (${old.state === 'revoked' ? old.reason : old.message}). The vendor needs it to re-encrypt its data key with the new one: enable it before telling the vendor to rotate. Nothing was sent.`,
          );
        }
      }
      await this.deps.submitKeyStore(req.clientSecret);
      r.submitted = { at: this.deps.clock.now().toISOString() };
      this.write(r);
      await this.deps.record('rotation.submitted', { rotationId: r.id, holder: r.holder, keyVersionId: r.imported.keyVersionId });
    }
    return this.view();
  }

  /** Where the rotation stands, from the record and the vendor's report; records new facts as it sees them. */
  async view(o: { refresh?: boolean } = {}): Promise<KeyRotationView> {
    const r = this.require();
    const now = this.deps.clock.now();
    const st = r.submitted ? await this.deps.vendorStatus(o.refresh ?? true).catch(() => null) : null;
    const newPk = r.imported ? vendorKeyOf(st, r.imported.keyVersionId, true) : null;
    if (newPk && newPk.status === 'Available' && !r.available) {
      r.available = { primaryKeyId: newPk.primaryKeyId, at: now.toISOString() };
      this.write(r);
      await this.deps.record('rotation.available', { rotationId: r.id, primaryKeyId: newPk.primaryKeyId });
    }
    const oldPk = vendorKeyOf(st, r.oldKey.keyVersionId, true);
    const since = oldPk?.noLongerInUseSince ?? null;
    if (r.available && since && r.noLongerInUse?.since !== since) {
      r.noLongerInUse = { since, seenAt: now.toISOString() };
      this.write(r);
      await this.deps.record('rotation.old-key-no-longer-in-use', { rotationId: r.id, oldPrimaryKeyId: oldPk!.primaryKeyId, since });
    }
    const effectiveSince = r.noLongerInUse?.since ?? null;
    const allowedAt = effectiveSince ? new Date(Date.parse(effectiveSince) + RETIREMENT_WAIT_DAYS * DAY_MS) : null;
    const daysLeft = allowedAt ? Math.max(0, Math.ceil((allowedAt.getTime() - now.getTime()) / DAY_MS)) : null;
    let step: KeyRotationStep;
    if (r.disabled) step = 'done';
    else if (!r.newKey) step = 'add-key';
    else if (!r.imported) step = 'import';
    else if (!r.submitted) step = 'submit';
    else if (!r.available) step = 'wait-available';
    else if (!effectiveSince) step = 'wait-no-longer-in-use';
    else if (allowedAt!.getTime() > now.getTime()) step = 'wait-90-days';
    else step = 'disable-offered';
    const aws = isAwsKey(r.oldKey.keyVersionId);
    return {
      id: r.id,
      keyStoreKind: aws ? 'aws-kms' : 'azure-key-vault',
      startedAt: r.startedAt,
      holder: r.holder,
      step,
      oldKey: { ...r.oldKey, libraries: oldPk?.libraries ?? [] },
      newKey: r.newKey ? { keyId: r.newKey.keyId, fingerprint: r.newKey.fingerprint, joined: r.newKey.joined === true } : null,
      importedKeyVersionId: r.imported?.keyVersionId ?? null,
      submittedAt: r.submitted?.at ?? null,
      newPrimaryKey: newPk ? { primaryKeyId: newPk.primaryKeyId, status: newPk.status } : null,
      noLongerInUseSince: effectiveSince,
      disableAllowedAt: allowedAt?.toISOString() ?? null,
      countdown: allowedAt && daysLeft !== null ? { daysLeft, text: daysLeft === 0 ? 'The old key may be disabled now.' : `${describeDaysLeft(daysLeft, false).replace(/^expires /, '')} before the old key may be disabled (${allowedAt.toISOString().slice(0, 10)}).`, reminderThreshold: thresholdForDaysLeft(daysLeft) } : null,
      disableConfirmation: step === 'disable-offered' ? disableWords(r) : null,
      disabledAt: r.disabled?.at ?? null,
      next: nextText(step, r.holder, aws),
    };
  }

  /**
   * Disables (never deletes) the old key version, only once the vendor
   * reports it No longer in use in every library and 90 days have passed.
   * The vendor's report is read again now: a recorded date is not enough.
   */
  async disableOldKey(req: { confirmation: string }): Promise<KeyRotationView> {
    const r = this.require();
    if (r.disabled) return this.view();
    const st = await this.deps.vendorStatus(true).catch(() => null);
    const oldPk = vendorKeyOf(st, r.oldKey.keyVersionId, true);
    if (!r.available) throw new KeyholderError('lifecycle.rotation_order', 'The new primary key is not Available at the vendor yet: the old key is still the one in use. Do not disable it.');
    if (!oldPk || !oldPk.noLongerInUseSince) {
      throw new KeyholderError(
        'lifecycle.old_key_in_use',
        'The vendor does not report the old key “No longer in use” in every library it protected. Disabling it now would stop documents that still depend on it. Wait for the re-keying to finish.',
      );
    }
    const allowedAt = Date.parse(oldPk.noLongerInUseSince) + RETIREMENT_WAIT_DAYS * DAY_MS;
    const now = this.deps.clock.now().getTime();
    if (now < allowedAt) {
      throw new KeyholderError(
        'lifecycle.retirement_wait',
        `The old key has been No longer in use only since ${oldPk.noLongerInUseSince}. Keep it enabled for ${RETIREMENT_WAIT_DAYS} days (until ${new Date(allowedAt).toISOString()}): the vendor may need it to restore content from backups.`,
        { allowedAt: new Date(allowedAt).toISOString() },
      );
    }
    const expected = disableWords(r);
    if (normalise(req.confirmation) !== normalise(expected)) throw new KeyholderError('lifecycle.confirmation_mismatch', `Type exactly: "${expected}". Nothing was changed.`, { expected });
    await this.deps.provider().setVersionEnabled(r.oldKey.keyVersionId, false);
    r.disabled = { at: new Date(now).toISOString() };
    this.write(r);
    await this.deps.record('rotation.old-key-disabled', { rotationId: r.id, keyVersionId: r.oldKey.keyVersionId, deleted: false });
    return this.view({ refresh: false });
  }

  exists(): boolean {
    return this.read() !== null;
  }
}

const isAwsKey = (id: string) => id.startsWith('arn:');

/** The typed confirmation naming the old key: a KMS key by its key ID (it has no versions), an Azure key by name and version. */
function disableWords(r: KeyRotationRecord): string {
  const old = parseKeyVersionId(r.oldKey.keyVersionId);
  return confirmationText('disable-old', r.holder, isAwsKey(r.oldKey.keyVersionId) ? { kmsKeyId: old.keyName } : { keyName: `${old.keyName} version ${old.version.slice(0, 8)}` });
}

function vendorKeyOf(st: EnvironmentStatus | null, keyVersionId: string, exact = false): PrimaryKey | null {
  if (!st) return null;
  const all = st.primaryKeys ?? (st.primaryKey ? [st.primaryKey] : []);
  return [...all].reverse().find((k) => k.keyStores.some((s) => s.keyIdentifier === keyVersionId)) ?? (exact ? null : st.primaryKey);
}

function nextText(step: KeyRotationStep, holder: Holder, aws: boolean): string {
  const o = holder === 1 ? 2 : 1;
  switch (step) {
    case 'add-key':
      return `Gather the escrow custodians, the knower of each key-holder copy and a supervisor: in a supervised activation the new source key is added to the escrow file and to each key-holder copy. If that re-seal already ran on key holder ${o}’s workstation, name your key-holder copy that it added the new key to instead.`;
    case 'import':
      return aws
        ? 'Import the new key into a new KMS key in your account (the same Region), under a supervised activation: it is self-tested there and given the key policy you approved. Your previous KMS key stays enabled.'
        : 'Import the new key into your vault (a new version of the same key name).';
    case 'submit':
      return aws ? 'Submit your key store with the new key ARN and its companion key to the vendor. Your previous KMS key must stay enabled: the vendor re-encrypts its data key with it.' : 'Submit your key store with the new key identifier (worksheet line 2) to the vendor.';
    case 'wait-available':
      return aws
        ? `Waiting for the vendor to prove both new KMS keys hold the same key (their companion keys’ MACs) and report the new primary key Available (key holder ${o} imports and submits too). Then the Control Center administrator applies it to the libraries.`
        : `Waiting for the vendor to validate the new primary key (key holder ${o} imports and submits too). Then the Control Center administrator applies it to the libraries.`;
    case 'wait-no-longer-in-use':
      return 'Keep the old key enabled: the vendor is re-keying documents. Wait until it reports the old key “No longer in use” in every library.';
    case 'wait-90-days':
      return `Keep the old key enabled for ${RETIREMENT_WAIT_DAYS} days after “No longer in use”: the vendor may need it to restore content from backups.`;
    case 'disable-offered':
      return 'The old key may now be disabled (never deleted: backups may still need it one day).';
    case 'done':
      return aws ? 'Rotation complete: the previous KMS key is disabled and kept (never scheduled for deletion).' : 'Rotation complete: the old key version is disabled and kept.';
  }
}
