/**
 * The holder's import: the key-holder copy was opened by a supervised
 * activation (keeper, knower, supervisor; its purpose calls `importOpened`),
 * never here. This service imports into the holder's key store, proves it,
 * and fills worksheet line 2. What the holder entered (never a passphrase) is
 * kept in a draft before anything is attempted, so no error loses it; and
 * because the provider finds an earlier import by its fingerprint tag,
 * running the import again after a crash uses the version the vault already
 * holds.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto, { type KeyObject } from 'node:crypto';
import { KeyholderError, isKeyholderError, type KeyholderErrorShape } from '../../../shared/errors/index';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import type { ImportHooks, ImportOutcome, KeyStoreProvider, Protection } from './provider';

/** An opened key-holder copy: the key is only lent to a callback and zeroed on dispose (the escrow service's handle). */
export interface OpenedCopy {
  readonly keyId: string;
  readonly fingerprint: string;
  withPrivateKey<T>(use: (key: KeyObject) => Promise<T> | T): Promise<T>;
  dispose(): void;
}

/** Where line 2 goes once the vault has proved it holds the key. */
export interface WorksheetLine2 {
  recordKeyIdentifier(entry: { holder: 1 | 2; vaultHost: string; keyName: string; keyIdentifier: string; fingerprint: string }): Promise<void>;
}

export interface ImportDraft {
  /** Which key holder of the ceremony this workstation belongs to (the worksheet column). */
  holder: 1 | 2;
  holderCopyPath: string;
  vaultUrl: string;
  keyName: string;
  protection: Protection;
  allowEncryptDecrypt: boolean;
}

export interface ImportRecord {
  draft: ImportDraft;
  state: 'pending' | 'failed' | 'done';
  updatedAt: string;
  error?: KeyholderErrorShape;
  outcome?: ImportOutcome & { fingerprint: string; keyId: string };
}

export interface VaultServiceDeps {
  dataDir: string;
  clock: Clock;
  log: Logger;
  provider: () => KeyStoreProvider;
  worksheet: WorksheetLine2;
}

export class VaultService {
  private readonly file: string;
  private running: Promise<unknown> | null = null;

  constructor(private readonly deps: VaultServiceDeps) {
    this.file = path.join(deps.dataDir, 'vault', 'import.json');
  }

  /** The last import as recorded here: the draft to refill the form, and the outcome or the error. */
  record(): ImportRecord | null {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as ImportRecord;
    } catch {
      return null;
    }
  }

  private write(r: Omit<ImportRecord, 'updatedAt'>): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ ...r, updatedAt: this.deps.clock.now().toISOString() }, null, 1), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  /** Keeps what the holder typed even before they press Import. */
  saveDraft(draft: ImportDraft): void {
    const prev = this.record();
    this.write({ draft, state: prev?.state === 'done' && sameTarget(prev.draft, draft) ? 'done' : 'pending', ...(prev?.outcome && sameTarget(prev.draft, draft) ? { outcome: prev.outcome } : {}) });
  }

  /**
   * The import inside a supervised activation: the key was opened by the
   * activation (keeper's copy, knower's passphrase), not by this service; the
   * caller disposes `opened` (the activation wipes it).
   */
  async importOpened(draft: ImportDraft, opened: OpenedCopy, hooks: ImportHooks = {}): Promise<NonNullable<ImportRecord['outcome']>> {
    if (this.running) throw new KeyholderError('vault.busy', 'An import is already running. Wait for it to finish.');
    const p = this.run(draft, hooks, opened);
    this.running = p;
    try {
      return await p;
    } finally {
      this.running = null;
    }
  }

  private async run(req: ImportDraft, hooks: ImportHooks, opened: OpenedCopy): Promise<NonNullable<ImportRecord['outcome']>> {
    const draft: ImportDraft = { ...req, keyName: req.keyName.trim(), vaultUrl: req.vaultUrl.trim() };
    this.write({ draft, state: 'pending' });
    try {
      const fingerprint = opened.fingerprint;
      const outcome = await opened.withPrivateKey((privateKey) =>
        this.deps.provider().importKey(
          {
            location: draft.vaultUrl,
            keyName: draft.keyName,
            protection: draft.protection,
            privateKey,
            keyId: opened.keyId,
            fingerprint,
            allowEncryptDecrypt: draft.allowEncryptDecrypt,
          },
          hooks,
        ),
      );
      const full = { ...outcome, fingerprint, keyId: opened.keyId };
      await this.deps.worksheet.recordKeyIdentifier({ holder: draft.holder, vaultHost: new URL(outcome.keyVersionId).host, keyName: draft.keyName, keyIdentifier: outcome.keyVersionId, fingerprint });
      this.write({ draft, state: 'done', outcome: full });
      this.deps.log.info('key imported into the key store', { keyVersionId: outcome.keyVersionId, reused: outcome.reused });
      return full;
    } catch (e) {
      const err = isKeyholderError(e) ? (e as KeyholderError) : new KeyholderError('vault.failed', 'The import did not complete. Try again; nothing you entered is lost.');
      if (!isKeyholderError(e)) this.deps.log.error('import failed unexpectedly', { error: e });
      this.write({ draft, state: 'failed', error: err.toShape() });
      throw err;
    }
  }

  async recoverDeletedKey(vaultUrl: string, keyName: string): Promise<void> {
    await this.deps.provider().recoverDeletedKey({ location: vaultUrl, keyName });
  }
}

function sameTarget(a: ImportDraft, b: ImportDraft): boolean {
  return a.holder === b.holder && a.vaultUrl === b.vaultUrl && a.keyName === b.keyName && a.protection === b.protection;
}
