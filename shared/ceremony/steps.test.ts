import { describe, expect, it } from 'vitest';
import { assertStepMayStart, ceremonyProgress, type Receipt } from './steps';

const r = (kind: string, data: Receipt['data'] = {}): Receipt => ({ kind, data });
const fullRun: Receipt[] = [
  r('ceremony.opened'),
  r('worksheet.saved', { holder: 1 }),
  r('worksheet.saved', { holder: 2 }),
  r('key.generated', { fingerprint: 'F' }),
  r('escrow.written'),
  r('escrow.test-restored', { fingerprint: 'F' }),
  r('holder-copy.written', { holder: 1 }),
  r('holder-copy.written', { holder: 2 }),
  r('registration.done', { holder: 1 }),
  r('registration.done', { holder: 2 }),
  r('activation.attested', { holder: 1 }),
  r('vault.imported', { holder: 1, fingerprint: 'F' }),
  r('activation.attested', { holder: 2 }),
  r('vault.imported', { holder: 2, fingerprint: 'F' }),
  r('submission.receipt', { holder: 1 }),
  r('submission.receipt', { holder: 2 }),
  r('status.changed', { status: 'Available' }),
  r('ceremony.closed'),
];
const stepOf: Record<string, string> = { 'ceremony.opened': 'ceremony-opened', 'key.generated': 'key-generated', 'escrow.written': 'escrow-written', 'escrow.test-restored': 'escrow-test-restored', 'registration.done': 'registered', 'status.changed': 'status-available', 'ceremony.closed': 'ceremony-closed', 'worksheet.saved': 'worksheet-saved', 'holder-copy.written': 'holder-copy-written', 'activation.attested': 'activation-attested', 'vault.imported': 'vault-imported', 'submission.receipt': 'submitted' };
const idOf = (x: Receipt) => stepOf[x.kind]! + (x.data.holder ? `:${String(x.data.holder)}` : '');

describe('ceremony step table', () => {
  it('allows the full ceremony in order, each step exactly when its receipts exist', () => {
    for (let i = 0; i < fullRun.length; i++) {
      const so = fullRun.slice(0, i);
      expect(() => assertStepMayStart(idOf(fullRun[i]!), so)).not.toThrow();
      // Every later step that depends on this one is still blocked.
      for (const later of fullRun.slice(i + 1)) {
        const p = ceremonyProgress(so).find((x) => x.id === idOf(later))!;
        expect(p.state).not.toBe('done');
      }
    }
    expect(ceremonyProgress(fullRun).every((p) => p.state === 'done')).toBe(true);
  });

  it('refuses skipping: an import before the supervised activation, an activation before the vendor registered the vault', () => {
    const so = fullRun.slice(0, 10);
    expect(() => assertStepMayStart('vault-imported:1', so)).toThrow(expect.objectContaining({ code: 'ceremony.step_out_of_order', message: expect.stringContaining('Supervised activation attested (holder 1)') }));
    const unregistered = fullRun.filter((x) => !(x.kind === 'registration.done' && x.data.holder === 2));
    expect(() => assertStepMayStart('activation-attested:2', unregistered.slice(0, 10))).toThrow(/Vault registered with the vendor \(holder 2\)/);
    expect(() => assertStepMayStart('status-available', fullRun.slice(0, 14))).toThrow(/holder 2/);
  });

  it('allows the orders the seed and the screens allow', () => {
    // The source key before the worksheet (the custodians' workstation has no worksheet).
    expect(() => assertStepMayStart('key-generated', [r('ceremony.opened')])).not.toThrow();
    // Registration as soon as the holder's worksheet names the vault, before or after the escrow.
    expect(() => assertStepMayStart('registered:1', [r('ceremony.opened'), r('worksheet.saved', { holder: 1 })])).not.toThrow();
    expect(() => assertStepMayStart('registered:2', [r('ceremony.opened'), r('worksheet.saved', { holder: 1 })])).toThrow(/Azure Information Worksheet saved \(holder 2\)/);
    // Holder 1 may submit while holder 2 has not imported yet.
    const h1Done = fullRun.filter((x) => x.data.holder !== 2 || x.kind === 'worksheet.saved' || x.kind === 'holder-copy.written').slice(0, 11);
    expect(() => assertStepMayStart('submitted:1', h1Done)).not.toThrow();
  });

  it('does not let a step run twice or status other than Available count', () => {
    expect(() => assertStepMayStart('key-generated', fullRun.slice(0, 5))).toThrow(expect.objectContaining({ code: 'ceremony.step_already_done' }));
    const p = ceremonyProgress([...fullRun.slice(0, 16), r('status.changed', { status: 'Pending' })]).find((x) => x.id === 'status-available')!;
    expect(p.state).toBe('ready');
  });

  it('stops when receipts disagree about the key', () => {
    const bad = [...fullRun.slice(0, 5), r('escrow.test-restored', { fingerprint: 'OTHER' })];
    expect(() => assertStepMayStart('holder-copy-written:1', bad)).toThrow(expect.objectContaining({ code: 'ceremony.receipts_inconsistent' }));
  });

  it('names the steps in AWS words when the record (or, before anything is recorded, the settings) says AWS KMS; the same steps either way', () => {
    const aws = [r('ceremony.opened', {}), r('worksheet.saved', { holder: 1, provider: 'aws-kms', keyLocation: 'arn:aws:kms:eu-west-2:111122223333', vendorRoleArn: 'arn:aws:iam::777788889999:role/v', cacheMinutes: 5 })];
    const titles = (p: ReturnType<typeof ceremonyProgress>) => Object.fromEntries(p.map((x) => [x.id, x.title]));
    expect(titles(ceremonyProgress(aws))).toMatchObject({ 'worksheet-saved:1': 'AWS worksheet saved (holder 1)', 'registered:2': 'Key store registered with the vendor (holder 2)', 'vault-imported:1': 'Key imported into AWS KMS (holder 1)' });
    expect(ceremonyProgress(aws).find((x) => x.id === 'activation-attested:1')!.waitingFor).toContain('Key store registered with the vendor (holder 1)');
    expect(titles(ceremonyProgress([], 'aws-kms'))['worksheet-saved:2']).toBe('AWS worksheet saved (holder 2)');
    // The record wins over the settings: an Azure ceremony stays in Azure's words.
    expect(titles(ceremonyProgress(fullRun.slice(0, 3), 'aws-kms'))['registered:1']).toBe('Vault registered with the vendor (holder 1)');
    expect(ceremonyProgress(aws).map((x) => x.id)).toEqual(ceremonyProgress(fullRun).map((x) => x.id));
  });
});
