/**
 * The Azure Information Worksheet on the Node side: keeps both holders'
 * worksheets in the settings store, seals each client secret with the
 * SecretBox (never written in plain text; refused, with the rest still saved,
 * when the box is unavailable), re-checks every rule with the stored secrets,
 * and exports a secret-free JSON and a printable PDF.
 */
import { mkdirSync } from 'node:fs';
import { writePrivateFile } from '../platform/private-file';
import path from 'node:path';
import { z } from 'zod';
import { KeyholderError } from '../../../shared/errors/index';
import { emptyHolder, holderFieldsSchema, HOLDERS, LABEL, type HolderFields, type HolderNo, type HolderWorksheet } from '../../../shared/worksheet/model';
import { clientSecretRefusal, missingFields, validateWorksheet } from '../../../shared/worksheet/rules';
import { printableHtml } from '../../../shared/worksheet/printable';
import type { WorksheetView } from '../../../shared/ipc/channels/worksheet';
import type { SettingsStore } from '../storage/settings-store';
import type { ServiceDeps } from '../index';
import type { AzureKeyStoreValues as KeyStoreValues } from '../control-plane/service';

const storedHolderSchema = holderFieldsSchema.extend({ sealedSecret: z.string().optional() });
const storedWorksheetSchema = z.object({ holder1: storedHolderSchema, holder2: storedHolderSchema, updatedAt: z.string() });
type StoredHolder = z.infer<typeof storedHolderSchema>;
type StoredWorksheet = z.infer<typeof storedWorksheetSchema>;

export type SecretChange = { action: 'keep' } | { action: 'set'; value: string } | { action: 'clear' };
export type HolderSave = HolderFields & { secret: SecretChange };
export type ExportResult = { saved: true; path: string } | { saved: false };

export interface WorksheetService {
  get(): Promise<WorksheetView>;
  save(request: { holder1: HolderSave; holder2: HolderSave }): Promise<WorksheetView>;
  revealSecret(holder: HolderNo): Promise<string>;
  /**
   * The key-store values a holder hands to the vendor (worksheet lines 1-4 and
   * the tenant): the secret from this computer's SecretBox unless typed now.
   * The one place the submission, a key rotation's resubmission and
   * `keyholder rehearse` read them from.
   */
  keyStoreValues(holder: HolderNo, typedSecret?: string): Promise<KeyStoreValues>;
  exportJson(): Promise<ExportResult>;
  exportPdf(includeSecret: boolean): Promise<ExportResult>;
}

const SECTION = 'worksheet';
const key = (h: HolderNo) => (h === 1 ? 'holder1' : 'holder2') as 'holder1' | 'holder2';

function fieldsOf(s: StoredHolder): HolderFields {
  const { sealedSecret: _s, ...fields } = s;
  return fields;
}

export function createWorksheetService(deps: ServiceDeps, store: SettingsStore): WorksheetService {
  const box = deps.secretBox;
  // Live mode accepts the configured cloud's vault hosts (a custom cloud's included) besides Azure's own.
  const customSuffixes = deps.environment.mode === 'live' && deps.azure ? { customVaultSuffixes: deps.azure.vaultSuffixes } : {};
  type Notice = WorksheetView['notices'][number];

  const load = (): StoredWorksheet =>
    store.read(SECTION, storedWorksheetSchema) ?? { holder1: { ...emptyHolder() }, holder2: { ...emptyHolder() }, updatedAt: '' };

  /** Opens a sealed secret; undefined when none, 'unreadable' when this computer cannot open it. */
  function open(s: StoredHolder): string | undefined | 'unreadable' {
    if (!s.sealedSecret) return undefined;
    if (!box.isAvailable()) return 'unreadable';
    try {
      return box.decrypt(Buffer.from(s.sealedSecret, 'base64'));
    } catch {
      return 'unreadable';
    }
  }

  function view(doc: StoredWorksheet, extra: Notice[] = []): WorksheetView {
    const ctx = { mode: deps.environment.mode, now: deps.clock.now(), ...customSuffixes };
    const secrets = { 1: open(doc.holder1), 2: open(doc.holder2) } as const;
    const full = (h: HolderNo): HolderWorksheet => {
      const s = secrets[h];
      return { ...fieldsOf(doc[key(h)]), clientSecret: s === 'unreadable' ? undefined : s };
    };
    const issues = validateWorksheet(full(1), full(2), ctx);
    const status = (h: HolderNo) => (secrets[h] === undefined ? 'none' : secrets[h] === 'unreadable' ? 'unreadable' : 'stored') as 'none' | 'stored' | 'unreadable';
    const notices: Notice[] = [...store.notices.map((n) => ({ code: n.code, message: n.message, ...(n.keptAt ? { keptAt: n.keptAt } : {}) })), ...extra];
    for (const h of HOLDERS) {
      if (status(h) === 'unreadable') {
        notices.push({
          code: 'worksheet.secret_unreadable',
          holder: h,
          message: `Key holder ${h}'s stored client secret cannot be opened on this computer (the OS keychain is locked, changed or unavailable). Unlock it and restart, or enter the secret again.`,
        });
      }
    }
    const missing = { holder1: missingFields(full(1), status(1) === 'stored'), holder2: missingFields(full(2), status(2) === 'stored') };
    return {
      mode: deps.environment.mode,
      ...customSuffixes,
      holder1: { ...fieldsOf(doc.holder1), secret: status(1) },
      holder2: { ...fieldsOf(doc.holder2), secret: status(2) },
      issues,
      missing,
      complete: issues.every((i) => i.severity !== 'error') && missing.holder1.length === 0 && missing.holder2.length === 0,
      ...(doc.updatedAt ? { updatedAt: doc.updatedAt } : {}),
      secretStorage: box.isAvailable() ? { available: true } : { available: false, reason: box.unavailableReason?.() ?? 'Secure secret storage is not available on this computer.' },
      notices,
    };
  }

  function secretFor(h: HolderNo, doc: StoredWorksheet): string {
    const s = open(doc[key(h)]);
    if (s === undefined) throw new KeyholderError('worksheet.no_secret', `No client secret is stored for key holder ${h}.`, { holder: h });
    if (s === 'unreadable') {
      throw new KeyholderError(
        'worksheet.secret_unreadable',
        box.isAvailable()
          ? `Key holder ${h}'s stored client secret cannot be opened on this computer. Enter it again.`
          : (box.unavailableReason?.() ?? 'Secure secret storage is not available on this computer.'),
        { holder: h },
      );
    }
    return s;
  }

  async function writeExport(suggested: string, kind: 'pdf' | 'json', data: Uint8Array | string): Promise<ExportResult> {
    let target: string | null;
    if (deps.chooseSavePath) target = await deps.chooseSavePath(suggested, kind);
    else {
      // No dialog (bridge, CLI): exports go to a fixed folder beside the data.
      const dir = path.join(deps.dataDir, 'exports');
      mkdirSync(dir, { recursive: true });
      target = path.join(dir, suggested);
    }
    if (!target) return { saved: false };
    try {
      writePrivateFile(target, data);
    } catch (e) {
      throw new KeyholderError('worksheet.export_write_failed', `The file could not be written to ${target} (${(e as NodeJS.ErrnoException).code ?? 'error'}). Choose another folder.`);
    }
    deps.log.info('worksheet exported', { kind, path: target });
    return { saved: true, path: target };
  }

  const day = () => deps.clock.now().toISOString().slice(0, 10);

  return {
    async get() {
      return view(load());
    },

    async save(request) {
      const before = load();
      const next: StoredWorksheet = { holder1: { ...emptyHolder() }, holder2: { ...emptyHolder() }, updatedAt: deps.clock.now().toISOString() };
      const notices: Notice[] = [];
      for (const h of HOLDERS) {
        const { secret, ...fieldsRaw } = request[key(h)];
        const fields = Object.fromEntries(Object.entries(fieldsRaw).map(([k, v]) => [k, v.trim()])) as HolderFields;
        const stored: StoredHolder = { ...fields };
        const old = before[key(h)].sealedSecret;
        if (secret.action === 'keep' && old) stored.sealedSecret = old;
        if (secret.action === 'set') {
          if (!box.isAvailable()) {
            // Everything else is kept; the secret is refused rather than written in the clear.
            if (old) stored.sealedSecret = old;
            notices.push({
              code: 'worksheet.secret_not_saved',
              holder: h,
              message: `Key holder ${h}'s client secret was NOT saved: ${box.unavailableReason?.() ?? 'secure secret storage is not available on this computer.'} The other fields were saved.`,
            });
          } else if (clientSecretRefusal(secret.value)) {
            // A secret copied with surrounding spaces would fail at the vendor; the one already stored stays.
            if (old) stored.sealedSecret = old;
            notices.push({
              code: 'worksheet.secret_whitespace',
              holder: h,
              message: `Key holder ${h}'s client secret was NOT saved: it starts or ends with a space. Remove the space, or copy its Value again in Azure, then save again. The other fields were saved.`,
            });
          } else {
            stored.sealedSecret = Buffer.from(box.encrypt(secret.value)).toString('base64');
          }
        }
        next[key(h)] = stored;
      }
      store.write(SECTION, next);
      deps.emit('app:changed', { topic: 'worksheet' });
      return view(next, notices);
    },

    async revealSecret(holder) {
      return secretFor(holder, load());
    },

    async keyStoreValues(holder, typedSecret) {
      const stored = load();
      const mine = stored[key(holder)];
      let clientSecret = typedSecret;
      if (!clientSecret) {
        if (!mine.sealedSecret) throw new KeyholderError('control_plane.secret_missing', `This computer holds no client secret for key holder ${holder} (worksheet line 4). Type it in to submit.`);
        clientSecret = secretFor(holder, stored);
      }
      return { vaultDnsName: mine.vaultHost, keyIdentifier: mine.keyIdentifier, applicationId: mine.clientId, clientSecret, tenantId: mine.tenantId, secretExpiresOn: mine.secretExpiresOn };
    },

    async exportJson() {
      const doc = load();
      const v = view(doc);
      const holder = (h: HolderNo) => {
        const fields = fieldsOf(doc[key(h)]);
        return {
          line1_keyVaultDnsName: fields.vaultHost,
          line2_keyVersionKeyIdentifier: fields.keyIdentifier,
          line3_applicationClientId: fields.clientId,
          line4_clientSecret: v[key(h)].secret === 'none' ? 'not recorded' : 'not exported (kept secret)',
          directoryTenantId: fields.tenantId,
          keyName: fields.keyName,
          clientSecretCreatedOn: fields.secretCreatedOn,
          clientSecretExpiresOn: fields.secretExpiresOn,
        };
      };
      const out = {
        format: 'keyholder.azure-information-worksheet',
        version: 1,
        mode: v.mode,
        exportedAt: deps.clock.now().toISOString(),
        keyHolder1: holder(1),
        keyHolder2: holder(2),
        problems: v.issues.filter((i) => i.severity === 'error').map((i) => `Key holder ${i.holder}, ${i.line ? `line ${i.line}` : LABEL[i.field]}: ${i.message}`),
      };
      return writeExport(`azure-information-worksheet-${day()}.json`, 'json', JSON.stringify(out, null, 2) + '\n');
    },

    async exportPdf(includeSecret) {
      if (!deps.pdf) {
        throw new KeyholderError('worksheet.pdf_unavailable', 'PDF export is not available here. Use "Print" and choose "Save as PDF" instead.');
      }
      const doc = load();
      const v = view(doc);
      const secrets: Partial<Record<HolderNo, string>> = {};
      if (includeSecret) for (const h of HOLDERS) if (v[key(h)].secret !== 'none') secrets[h] = secretFor(h, doc);
      const html = printableHtml({
        mode: v.mode,
        holders: { 1: v.holder1, 2: v.holder2 },
        ...(includeSecret ? { secrets } : {}),
        issues: v.issues,
        generatedAt: deps.clock.now(),
      });
      const pdf = await deps.pdf.fromHtml(html);
      return writeExport(`azure-information-worksheet-${day()}${includeSecret ? '-WITH-SECRETS' : ''}.pdf`, 'pdf', pdf);
    },
  };
}
