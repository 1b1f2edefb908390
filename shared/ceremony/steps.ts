/**
 * The whole two-holder ceremony as a table of steps. Where the ceremony
 * stands is derived from durable receipts (the transcript's entries), never
 * from a saved "current screen": a restarted app, a second workstation or an
 * auditor reading the transcript all reach the same answer.
 */
import { KeyholderError } from '../errors/index';
import type { JsonObject } from '../transcript/canonical';

/** What a step leaves behind: a transcript entry's kind and data. */
export interface Receipt {
  kind: string;
  data: JsonObject;
}

export type Holder = 1 | 2;

export interface StepDef {
  id: string;
  title: string;
  /** Transcript entry kind that records this step. */
  kind: string;
  holder?: Holder;
  requires: string[];
}

const perHolder = (id: string, title: string, kind: string, requires: (h: Holder) => string[]): StepDef[] =>
  ([1, 2] as const).map((h) => ({ id: `${id}:${h}`, title: `${title} (holder ${h})`, kind, holder: h, requires: requires(h) }));

/**
 * The order the seed (the vendor's manual) and the screens follow. Per holder,
 * the vault's registration with the vendor needs only that holder's worksheet
 * (line 1, the vault's DNS name); the supervised import into that vault needs
 * the vendor's confirmation first (the manual: "receive verification ...
 * before continuing"; the Import screen's gate), so no key material goes into
 * a vault the vendor will not accept. The submission needs both. The source key
 * does not depend on the worksheet: escrow made before the worksheet is saved
 * is progress, not a deviation. Allowed orders are in docs/activation.md.
 */
export const CEREMONY_STEPS: readonly StepDef[] = [
  { id: 'ceremony-opened', title: 'Ceremony opened', kind: 'ceremony.opened', requires: [] },
  ...perHolder('worksheet-saved', 'Azure Information Worksheet saved', 'worksheet.saved', () => ['ceremony-opened']),
  { id: 'key-generated', title: 'Source key generated', kind: 'key.generated', requires: ['ceremony-opened'] },
  { id: 'escrow-written', title: 'Escrow written', kind: 'escrow.written', requires: ['key-generated'] },
  { id: 'escrow-test-restored', title: 'Escrow test-restored', kind: 'escrow.test-restored', requires: ['escrow-written'] },
  ...perHolder('holder-copy-written', 'Holder copy written', 'holder-copy.written', () => ['escrow-test-restored']),
  ...perHolder('registered', 'Vault registered with the vendor', 'registration.done', (h) => [`worksheet-saved:${h}`]),
  ...perHolder('activation-attested', 'Supervised activation attested', 'activation.attested', (h) => [`holder-copy-written:${h}`, `registered:${h}`]),
  ...perHolder('vault-imported', 'Key imported into the vault', 'vault.imported', (h) => [`activation-attested:${h}`]),
  ...perHolder('submitted', 'Submission receipt received', 'submission.receipt', (h) => [`vault-imported:${h}`, `registered:${h}`]),
  { id: 'status-available', title: 'Key store status Available', kind: 'status.changed', requires: ['submitted:1', 'submitted:2'] },
  { id: 'ceremony-closed', title: 'Ceremony closed', kind: 'ceremony.closed', requires: ['status-available'] },
];

const byId = new Map(CEREMONY_STEPS.map((s) => [s.id, s]));

/** Which key store the ceremony is for: the same steps and entry kinds, named in that cloud's words. */
export type CeremonyKeyStore = 'azure-key-vault' | 'aws-kms';

/** The steps whose words differ on AWS KMS (seed 002): its worksheet, where the key store lives, the KMS key. */
const AWS_TITLES: Readonly<Record<string, string>> = {
  'worksheet-saved': 'AWS worksheet saved',
  registered: 'Key store registered with the vendor',
  'vault-imported': 'Key imported into AWS KMS',
};

/**
 * The key store a record is for, from its receipts: an AWS worksheet line,
 * an AES source key or a key ARN imported say AWS KMS; otherwise (or with
 * nothing recorded yet) null, and the caller's choice (the settings) decides.
 */
function keyStoreOfReceipts(receipts: readonly Receipt[]): CeremonyKeyStore | null {
  for (const r of receipts) {
    if (r.kind === 'worksheet.saved') return r.data.provider === 'aws-kms' ? 'aws-kms' : 'azure-key-vault';
    if (r.kind === 'key.generated') return r.data.keyType === 'AES' ? 'aws-kms' : 'azure-key-vault';
    if (r.kind === 'vault.imported' && typeof r.data.keyVersionId === 'string') return r.data.keyVersionId.startsWith('arn:') ? 'aws-kms' : 'azure-key-vault';
  }
  return null;
}

/** A step's title in the words of the ceremony's key store ("Key store registered with the vendor (holder 1)" on AWS). */
function stepTitle(stepId: string, keyStore: CeremonyKeyStore | null = null): string {
  const def = byId.get(stepId);
  if (!def) return stepId;
  const aws = keyStore === 'aws-kms' ? AWS_TITLES[stepId.split(':')[0]!] : undefined;
  return aws ? `${aws}${def.holder ? ` (holder ${def.holder})` : ''}` : def.title;
}

function matches(step: StepDef, r: Receipt): boolean {
  if (r.kind !== step.kind) return false;
  if (step.holder !== undefined && r.data.holder !== step.holder) return false;
  if (step.id === 'status-available') return r.data.status === 'Available';
  return true;
}

export type StepState = 'done' | 'ready' | 'blocked';
export interface StepProgress {
  id: string;
  title: string;
  state: StepState;
  /** Titles of the steps still missing before this one can start. */
  waitingFor: string[];
}

/**
 * Receipts that contradict each other make the ceremony untrustworthy, so
 * they are reported rather than silently taken as progress.
 */
export function receiptProblems(receipts: readonly Receipt[]): string[] {
  const problems: string[] = [];
  const generated = receipts.find((r) => r.kind === 'key.generated')?.data.fingerprint;
  if (generated !== undefined) {
    for (const r of receipts) {
      if ((r.kind === 'escrow.test-restored' || r.kind === 'vault.imported' || r.kind === 'holder-copy.written') && r.data.fingerprint !== undefined && r.data.fingerprint !== generated) {
        problems.push(`The ${r.kind} receipt names key ${String(r.data.fingerprint)}, but the generated key is ${String(generated)}.`);
      }
    }
  }
  return problems;
}

/**
 * Where the ceremony stands by the table. Titles are in the words of the key
 * store the receipts show, else of `keyStore` (the settings' choice), else
 * Azure's.
 */
export function ceremonyProgress(receipts: readonly Receipt[], keyStore: CeremonyKeyStore | null = null): StepProgress[] {
  const done = new Set(CEREMONY_STEPS.filter((s) => receipts.some((r) => matches(s, r))).map((s) => s.id));
  const store = keyStoreOfReceipts(receipts) ?? keyStore;
  return CEREMONY_STEPS.map((s) => {
    const waitingFor = s.requires.filter((id) => !done.has(id)).map((id) => stepTitle(id, store));
    return { id: s.id, title: stepTitle(s.id, store), state: done.has(s.id) ? 'done' : waitingFor.length ? 'blocked' : 'ready', waitingFor };
  });
}

/**
 * Throws unless `stepId` may start now, given the receipts so far. `others`
 * are the receipts of the ceremony's other workstations (their verified
 * transcripts): they can satisfy what a step needs first (the holder copy
 * written at the custodians' workstation), never make this workstation's own
 * step "already done".
 */
export function assertStepMayStart(stepId: string, receipts: readonly Receipt[], others: readonly Receipt[] = []): void {
  const step = byId.get(stepId);
  if (!step) throw new KeyholderError('ceremony.unknown_step', `There is no ceremony step called "${stepId}".`);
  const all = others.length ? [...others, ...receipts] : receipts;
  const problems = receiptProblems(all);
  if (problems.length) throw new KeyholderError('ceremony.receipts_inconsistent', `The ceremony's receipts disagree, so no further step can start: ${problems[0]}`);
  const own = ceremonyProgress(receipts).find((x) => x.id === stepId)!;
  if (own.state === 'done') throw new KeyholderError('ceremony.step_already_done', `${own.title} is already recorded in the transcript; it is not done twice.`);
  const p = others.length ? ceremonyProgress(all).find((x) => x.id === stepId)! : own;
  if (p.state === 'blocked') {
    throw new KeyholderError('ceremony.step_out_of_order', `${p.title} cannot start yet: first ${p.waitingFor.join(', ')}.`, { step: stepId });
  }
}
