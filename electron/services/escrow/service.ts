/**
 * The escrow service: the custodian ceremony (generate, custodians, one
 * passphrase at a time, write, test-restore from disk, receipt), writing
 * the key-holder copies, and the file operations the CLI uses. A key-holder
 * copy is opened only inside a supervised activation (holder-copy.ts). The
 * source key stays in this process; callers get session IDs, key IDs and
 * fingerprints.
 */
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { KeyholderError } from '../../../shared/errors/index';
import { parseEscrow, requireRsaEntry, serializeEscrow, type EscrowFile, type KeyEntry } from '../../../shared/escrow/format';
import { PRODUCTION_KDF, type KdfProfile } from '../../../shared/escrow/kdf-profiles';
import { assessPassphrase, requireAcceptablePassphrase, type PassphraseStrength } from '../../../shared/escrow/policy';
import { assertEscrowUsable, PRODUCTION_ESCROW_WORK, scryptWork, type WorkstationMode } from '../../../shared/escrow/mode-policy';
import { checkValue, groupFingerprint } from '../../../shared/keys/fingerprint';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import { DEFAULT_RSA_SIZE, generateSourceKey, identityOf, type RsaSize } from '../keys/source-key';
import { generateSymmetricKey, symmetricIdentityOf } from '../keys/symmetric-key';
import { EntrySealer, findEntry, finishOpen, openKey, openSlot, sealKey, type OpenedSlot } from './seal';
import { encryptedPkcs8Pem, openEncryptedPem } from './pem';
import { restoreSheetHtml, strengthOf, weakest, type ArtifactStrength } from './sheet';
import { holderCopyPurpose } from './holder-copy';
import { escrowFileName, holderCopyFileName, pemFileName, readEscrowBytes, RECEIPT_FILE, sha256Hex, sheetFileName, writeAtomic, writeNew } from './files';
import { attemptKey, PassphraseThrottle } from './throttle';

export interface KeySummary {
  keyId: string;
  fingerprint: string;
  fingerprintGrouped: string;
  checkValue: string;
  /** Key size in bits: the RSA modulus, or 256 for an AES-256 key (AWS KMS). */
  modulusBits: number;
}

export interface CustodianProgress {
  index: number;
  name: string;
  passphraseEntered: boolean;
  restoreVerified: boolean;
}

export interface WrittenFiles {
  folder: string;
  escrowFile: string;
  escrowSha256: string;
  pemFiles: string[];
  sheetFile: string;
  artifacts: ArtifactStrength[];
  weakest: ArtifactStrength;
}

export interface RestoreReceipt {
  kind: 'keyholder-escrow-restore-receipt';
  keyId: string;
  fingerprint: string;
  escrowFile: string;
  escrowSha256: string;
  threshold: number;
  total: number;
  /** Custodians whose passphrase reopened the file from disk. */
  verified: { index: number; name: string; at: string; pem: boolean }[];
  keyMatchedAt: string;
}

export interface CeremonyStatus {
  sessionId: string;
  key: KeySummary;
  /** RSA for Azure Key Vault, AES (256-bit) for AWS KMS. */
  keyType: 'RSA' | 'AES';
  threshold: number | null;
  custodians: CustodianProgress[];
  written: WrittenFiles | null;
  restoreDone: boolean;
  receiptFile: string | null;
  holderCopies: { label: string; file: string }[];
}

/** Which key store the key is for: Azure Key Vault imports an RSA key; AWS KMS imports 256-bit symmetric material. */
export type KeyStoreKind = 'azure-key-vault' | 'aws-kms';

/** The key a ceremony escrows: the RSA source key, or the AES-256 key for AWS KMS (no public half, no PEM). */
interface CeremonyKey {
  keyId: string;
  keyType: 'RSA' | 'AES';
  /** What is sealed: the RSA private key, or the secret key. */
  sealable: KeyObject;
  summary: KeySummary;
}

interface Session {
  id: string;
  key: CeremonyKey;
  purpose: string;
  created: Date;
  folder: string;
  names: string[];
  threshold: number | null;
  sealer: EntrySealer | null;
  entered: Set<number>;
  pems: Map<number, string>;
  written: (WrittenFiles & { entry: KeyEntry }) | null;
  verified: Map<number, { at: string; pem: boolean }>;
  slots: OpenedSlot[];
  keyMatchedAt: string | null;
  receiptFile: string | null;
  holderCopies: { label: string; file: string }[];
}

export interface EscrowServiceOptions {
  dataDir: string;
  clock: Clock;
  log: Logger;
  /** Tests inject TEST_KDF; the app and CLI use PRODUCTION_KDF. */
  kdf?: KdfProfile;
  throttle?: PassphraseThrottle;
  /**
   * The workstation's mode. Rehearsal: every key sealed here is marked as a
   * rehearsal key in its authenticated header. Live: files marked so, or
   * with a KDF below the production cost, are refused before any passphrase
   * is tried. Absent (the CLI's file commands): neither.
   */
  mode?: WorkstationMode;
}

export type EscrowService = ReturnType<typeof createEscrowService>;

const summary = (keyId: string, key: KeyObject): KeySummary => {
  if (key.type === 'secret') {
    const id = symmetricIdentityOf(key);
    return { keyId, fingerprint: id.fingerprint, fingerprintGrouped: id.fingerprintGrouped, checkValue: id.checkValue, modulusBits: id.keyBits };
  }
  const id = identityOf(key);
  return { keyId, fingerprint: id.fingerprint, fingerprintGrouped: id.fingerprintGrouped, checkValue: id.checkValue, modulusBits: id.modulusBits };
};

async function generateCeremonyKey(keyStore: KeyStoreKind, modulusBits: RsaSize): Promise<CeremonyKey> {
  if (keyStore === 'aws-kms') {
    const k = generateSymmetricKey();
    return { keyId: k.keyId, keyType: 'AES', sealable: k.secretKey, summary: summary(k.keyId, k.secretKey) };
  }
  const k = await generateSourceKey(modulusBits);
  return { keyId: k.keyId, keyType: 'RSA', sealable: k.privateKey, summary: summary(k.keyId, k.publicKey) };
}

export function createEscrowService(opts: EscrowServiceOptions) {
  const kdf = opts.kdf ?? PRODUCTION_KDF;
  const throttle = opts.throttle ?? new PassphraseThrottle({ clock: opts.clock });
  const sessions = new Map<string, Session>();
  const ceremonyRoot = path.join(opts.dataDir, 'ceremony', 'escrow');
  const mark = opts.mode === 'rehearsal' ? { environment: 'rehearsal' as const } : {};

  /** Live mode seals nothing it would later refuse to open: a test-only KDF here is a set-up mistake, stopped before any passphrase. */
  function requireSealableKdf(): void {
    if (opts.mode === 'live' && scryptWork(kdf.escrow) < PRODUCTION_ESCROW_WORK) {
      throw new KeyholderError('escrow.kdf_below_production', 'This workstation is connected to your organisation\u2019s tenant but set up with a test-only key-derivation setting, which must never protect a real key. Nothing was sealed; restart Key Holder without the test setting.');
    }
  }

  function session(id: string): Session {
    const s = sessions.get(id);
    if (!s) throw new KeyholderError('escrow.no_session', 'This escrow ceremony is no longer open (the app was restarted or it was closed). Start again from "Generate the source key".');
    return s;
  }

  function status(s: Session): CeremonyStatus {
    return {
      sessionId: s.id,
      key: s.key.summary,
      keyType: s.key.keyType,
      threshold: s.threshold,
      custodians: s.names.map((name, i) => ({ index: i + 1, name, passphraseEntered: s.entered.has(i + 1), restoreVerified: s.verified.has(i + 1) })),
      written: s.written ? withoutEntry(s.written) : null,
      restoreDone: s.receiptFile !== null,
      receiptFile: s.receiptFile,
      holderCopies: [...s.holderCopies],
    };
  }

  function contextWords(s: Session): string[] {
    return [...s.names, s.purpose, 'keyholder', 'escrow', 'custodian'];
  }

  async function writeReceipt(s: Session): Promise<void> {
    const w = s.written!;
    const receipt: RestoreReceipt = {
      kind: 'keyholder-escrow-restore-receipt',
      keyId: s.key.keyId,
      fingerprint: w.entry.fingerprint,
      escrowFile: path.basename(w.escrowFile),
      escrowSha256: w.escrowSha256,
      threshold: w.entry.policy.threshold,
      total: w.entry.policy.total,
      verified: [...s.verified.entries()].sort(([a], [b]) => a - b).map(([index, v]) => ({ index, name: s.names[index - 1]!, at: v.at, pem: v.pem })),
      keyMatchedAt: s.keyMatchedAt!,
    };
    const file = path.join(s.folder, RECEIPT_FILE);
    await writeAtomic(file, JSON.stringify(receipt, null, 2) + '\n');
    s.receiptFile = file;
    opts.log.info('escrow test-restore receipt written', { keyId: s.key.keyId, verified: receipt.verified.length });
  }

  function restoreComplete(s: Session): boolean {
    const t = s.threshold!;
    if (!s.keyMatchedAt) return false;
    if (t > 1) return true;
    // Threshold 1: every custodian's escrow slot and PEM opened from disk (an AES key has no PEM: the slot alone).
    return s.names.every((_, i) => s.verified.has(i + 1) && (s.key.keyType === 'AES' || s.verified.get(i + 1)?.pem === true));
  }

  const service = {
    kdfProfile: kdf,
    /** The attempt counter, for other services that open the same files (so they share one count). */
    throttle,

    assessPassphrase(passphrase: string, context: string[] = []): PassphraseStrength {
      return assessPassphrase(passphrase, context);
    },

    /** Generates the key for the holders' key store: RSA for Azure Key Vault (default), 256-bit AES for AWS KMS. */
    async startCeremony(req: { modulusBits?: RsaSize; purpose?: string; folder?: string; keyStore?: KeyStoreKind }): Promise<CeremonyStatus> {
      const key = await generateCeremonyKey(req.keyStore ?? 'azure-key-vault', req.modulusBits ?? DEFAULT_RSA_SIZE);
      const id = crypto.randomUUID();
      const s: Session = {
        id,
        key,
        purpose: (req.purpose ?? 'Customer-managed source key').slice(0, 200),
        created: opts.clock.now(),
        folder: req.folder ?? path.join(ceremonyRoot, key.keyId),
        names: [],
        threshold: null,
        sealer: null,
        entered: new Set(),
        pems: new Map(),
        written: null,
        verified: new Map(),
        slots: [],
        keyMatchedAt: null,
        receiptFile: null,
        holderCopies: [],
      };
      sessions.set(id, s);
      opts.log.info('source key generated', { keyId: key.keyId, keyType: key.keyType, bits: key.summary.modulusBits });
      return status(s);
    },

    status(sessionId: string): CeremonyStatus {
      return status(session(sessionId));
    },

    async setCustodians(sessionId: string, names: string[], threshold: number): Promise<CeremonyStatus> {
      const s = session(sessionId);
      if (s.written) throw new KeyholderError('escrow.already_written', 'The escrow files are already written; custodians cannot change now. Start a new ceremony for a different set.');
      requireSealableKdf();
      s.sealer?.dispose();
      s.sealer = await EntrySealer.start(s.key.sealable, { keyId: s.key.keyId, purpose: s.purpose, created: s.created, ...mark }, names, threshold, kdf);
      s.names = s.sealer.names;
      s.threshold = threshold;
      s.entered.clear();
      s.pems.clear();
      return status(s);
    },

    /** One custodian's passphrase: wraps their key or share and (threshold 1) writes their PEM in memory; the passphrase is not kept. */
    async enterPassphrase(sessionId: string, index: number, passphrase: string): Promise<CeremonyStatus> {
      const s = session(sessionId);
      if (!s.sealer || s.threshold === null) throw new KeyholderError('escrow.no_custodians', 'Choose the custodians first.');
      if (s.written) throw new KeyholderError('escrow.already_written', 'The escrow files are already written.');
      const name = s.names[index - 1];
      if (!name) throw new KeyholderError('escrow.unknown_custodian', `There is no custodian number ${index}.`);
      requireAcceptablePassphrase(passphrase, name, contextWords(s));
      await s.sealer.addCustodian(index, passphrase);
      // A PEM is an RSA private key OpenSSL can read; an AES key has no such form, so its escrow file is its only copy.
      if (s.threshold === 1 && s.key.keyType === 'RSA') s.pems.set(index, await encryptedPkcs8Pem(s.key.sealable, passphrase, kdf.pem));
      s.entered.add(index);
      return status(s);
    },

    async writeFiles(sessionId: string): Promise<CeremonyStatus> {
      const s = session(sessionId);
      if (!s.sealer) throw new KeyholderError('escrow.no_custodians', 'Choose the custodians first.');
      if (s.written) return status(s);
      const file = s.sealer.finish();
      const bytes = serializeEscrow(file);
      const entry = file.header.keys[0]!;
      const escrowFile = path.join(s.folder, escrowFileName(entry.fingerprint));
      await writeNew(escrowFile, bytes);
      const artifacts: ArtifactStrength[] = [strengthOf(path.basename(escrowFile), 'escrow', kdf.escrow)];
      const pemFiles: string[] = [];
      for (const [index, pemText] of [...s.pems.entries()].sort(([a], [b]) => a - b)) {
        const f = path.join(s.folder, pemFileName(entry.fingerprint, index, s.names[index - 1]!));
        await writeNew(f, pemText);
        pemFiles.push(f);
        artifacts.push(strengthOf(path.basename(f), 'pem', kdf.pem));
      }
      const escrowSha256 = sha256Hex(bytes);
      const sheetFile = path.join(s.folder, sheetFileName(entry.fingerprint));
      const sheet = restoreSheetHtml({
        entry,
        escrowFile: path.basename(escrowFile),
        escrowSha256,
        pemFiles: pemFiles.map((f, i) => ({ custodian: s.names[[...s.pems.keys()].sort((a, b) => a - b)[i]! - 1]!, file: path.basename(f) })),
        artifacts,
        generatedAt: opts.clock.now(),
      });
      await writeNew(sheetFile, sheet);
      s.written = { folder: s.folder, escrowFile, escrowSha256, pemFiles, sheetFile, artifacts, weakest: weakest(artifacts), entry };
      s.sealer = null;
      s.pems.clear();
      opts.log.info('escrow files written', { keyId: s.key.keyId, files: 2 + pemFiles.length });
      return status(s);
    },

    /**
     * Test-restore: reopens the escrow FROM DISK with one custodian's
     * passphrase (and, at threshold 1, their PEM too). The receipt is
     * written once every custodian (threshold 1) or a quorum has succeeded
     * and the recovered key's fingerprint matched.
     */
    async testRestore(sessionId: string, index: number, passphrase: string): Promise<CeremonyStatus> {
      const s = session(sessionId);
      const w = s.written;
      if (!w) throw new KeyholderError('escrow.not_written', 'Save the escrow files before the test-restore.');
      const name = s.names[index - 1];
      if (!name) throw new KeyholderError('escrow.unknown_custodian', `There is no custodian number ${index}.`);
      const bytes = await readEscrowBytes(w.escrowFile);
      if (sha256Hex(bytes) !== w.escrowSha256) {
        throw new KeyholderError('escrow.changed_on_disk', 'The escrow file on disk is no longer the one Key Holder wrote. Do not use it; start the escrow again.');
      }
      const file = parseEscrow(bytes);
      assertEscrowUsable(file.header, opts.mode);
      // Keyed by content and slot (review #11), the same count the activation desk and the import keep for this secret.
      await throttle.run(attemptKey(bytes, `custodian-${index}`), async () => {
        const slot = await openSlot(file, s.key.keyId, index, passphrase);
        const now = opts.clock.now().toISOString();
        let pemOk = false;
        if (s.threshold === 1) {
          try {
            const { pkcs8 } = await finishOpen(file, s.key.keyId, [slot]);
            pkcs8.fill(0);
          } finally {
            slot.piece.fill(0);
          }
          s.keyMatchedAt ??= now;
          if (s.key.keyType === 'RSA') {
            const pemFile = w.pemFiles.find((f) => path.basename(f) === pemFileName(w.entry.fingerprint, index, name))!;
            const fromPem = openEncryptedPem(await fs.readFile(pemFile, 'utf8'), passphrase);
            if (identityOf(fromPem).fingerprint !== w.entry.fingerprint) {
              throw new KeyholderError('escrow.pem_mismatch', `${path.basename(pemFile)} holds a different key from the escrow file. Do not use it; start the escrow again.`);
            }
            pemOk = true;
          }
        } else {
          if (!s.slots.some((x) => x.index === index)) s.slots.push(slot);
          else slot.piece.fill(0);
          if (!s.keyMatchedAt && s.slots.length >= s.threshold!) {
            const { pkcs8 } = await finishOpen(file, s.key.keyId, s.slots);
            pkcs8.fill(0);
            s.keyMatchedAt = now;
            for (const x of s.slots) x.piece.fill(0);
          }
        }
        s.verified.set(index, { at: now, pem: pemOk });
      });
      if (restoreComplete(s)) await writeReceipt(s);
      return status(s);
    },

    async restoreSheet(sessionId: string): Promise<string> {
      const s = session(sessionId);
      if (!s.written) throw new KeyholderError('escrow.not_written', 'Save the escrow files first; the sheet names them.');
      return fs.readFile(s.written.sheetFile, 'utf8');
    },

    /** Reads the durable receipt and checks it still describes the escrow file on disk. */
    async receipt(folder: string): Promise<RestoreReceipt | null> {
      let r: RestoreReceipt;
      try {
        r = JSON.parse(await fs.readFile(path.join(folder, RECEIPT_FILE), 'utf8')) as RestoreReceipt;
      } catch {
        return null;
      }
      try {
        const bytes = await readEscrowBytes(path.join(folder, r.escrowFile));
        return sha256Hex(bytes) === r.escrowSha256 ? r : null;
      } catch {
        return null;
      }
    },

    async createHolderCopy(sessionId: string, label: string, passphrase: string): Promise<CeremonyStatus> {
      const s = session(sessionId);
      if (!s.receiptFile) {
        throw new KeyholderError('escrow.not_verified', 'Finish the escrow test-restore first: key-holder copies are made only once the escrow is proven restorable.');
      }
      const holder = label.trim();
      if (!holder || holder.length > 80) throw new KeyholderError('escrow.bad_holder', 'Give the key holder a label of 1 to 80 characters (e.g. "Key holder 1 - Jane Smith").');
      if (s.holderCopies.some((h) => h.label.toLowerCase() === holder.toLowerCase())) {
        throw new KeyholderError('escrow.holder_exists', `A copy for ${holder} already exists.`);
      }
      requireAcceptablePassphrase(passphrase, holder, [...contextWords(s), holder]);
      requireSealableKdf();
      const file = await sealKey(s.key.sealable, { keyId: s.key.keyId, purpose: holderCopyPurpose(holder), created: opts.clock.now(), ...mark }, [{ name: holder, passphrase }], 1, kdf);
      const target = path.join(s.folder, holderCopyFileName(holder, s.key.summary.fingerprint));
      await writeNew(target, serializeEscrow(file));
      // Proven readable from disk before it counts: opened with its passphrase, key checked against its fingerprint.
      const written = parseEscrow(await readEscrowBytes(target));
      const { entry: opened, pkcs8 } = await openKey(written, s.key.keyId, [{ custodian: 1, passphrase }]);
      pkcs8.fill(0);
      if (opened.fingerprint !== s.key.summary.fingerprint) throw new KeyholderError('escrow.altered', 'The key-holder copy just written does not open to this key. Do not use it; write it again.');
      s.holderCopies.push({ label: holder, file: target });
      return status(s);
    },

    closeCeremony(sessionId: string): void {
      const s = sessions.get(sessionId);
      if (!s) return;
      s.sealer?.dispose();
      for (const x of s.slots) x.piece.fill(0);
      sessions.delete(sessionId);
    },

    /* ---------- file operations (CLI) ---------- */

    async inspect(file: string): Promise<{ file: string; sha256: string; header: EscrowFile['header'] }> {
      const bytes = await readEscrowBytes(file);
      return { file, sha256: sha256Hex(bytes), header: parseEscrow(bytes).header };
    },

    async verify(file: string, unlocks: { custodian: number | string; passphrase: string }[], keyId?: string): Promise<KeySummary & { custodians: string[] }> {
      const bytes = await readEscrowBytes(file);
      const parsed = parseEscrow(bytes);
      return throttle.run(attemptKey(bytes, 'file'), async () => {
        const { entry, pkcs8 } = await openKey(parsed, keyId, unlocks);
        pkcs8.fill(0);
        return {
          keyId: entry.keyId,
          fingerprint: entry.fingerprint,
          fingerprintGrouped: groupFingerprint(entry.fingerprint),
          checkValue: checkValue(entry.fingerprint),
          modulusBits: entry.keyType === 'RSA' ? entry.modulusBits : entry.keyBits,
          custodians: unlocks.map((u) => String(u.custodian)),
        };
      });
    },

    /** Restores to an OpenSSL-readable encrypted PEM under a new passphrase (never to plain text). */
    async restoreToPem(file: string, unlocks: { custodian: number | string; passphrase: string }[], newPassphrase: string, outFile: string, keyId?: string): Promise<KeySummary & { outFile: string }> {
      requireAcceptablePassphrase(newPassphrase, 'the restored key');
      const bytes = await readEscrowBytes(file);
      const parsed = parseEscrow(bytes);
      // A PEM holds an RSA private key; an AES-256 key has no PEM form here.
      requireRsaEntry(findEntry(parsed, keyId).entry);
      const { entry, pkcs8 } = await throttle.run(attemptKey(bytes, 'file'), () => openKey(parsed, keyId, unlocks));
      try {
        await writeNew(outFile, await encryptedPkcs8Pem(pkcs8, newPassphrase, kdf.pem));
      } finally {
        pkcs8.fill(0);
      }
      return { keyId: entry.keyId, fingerprint: entry.fingerprint, fingerprintGrouped: groupFingerprint(entry.fingerprint), checkValue: checkValue(entry.fingerprint), modulusBits: requireRsaEntry(entry).modulusBits, outFile };
    },
  };
  return service;
}

function withoutEntry(w: WrittenFiles & { entry: KeyEntry }): WrittenFiles {
  const { entry: _entry, ...rest } = w;
  return rest;
}
