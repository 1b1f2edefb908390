import { describe, expect, it } from 'vitest';
import { CEREMONY_STEPS } from '../../../shared/ceremony/steps';
import { menuScreens, screens, screenTitle } from '../../app/screens';
import { CHECKLIST_ROLES, roleOf, roleTitle, stepScreen, stepsFor, type GuideStep } from './guide';

const steps: GuideStep[] = CEREMONY_STEPS.map((s) => ({ id: s.id, title: s.title, holder: s.holder ?? null, state: 'blocked', waitingFor: [], at: null }));

describe('home guide', () => {
  it('tells the role from the enrolment, else the kept secret, else the escrow made here', () => {
    expect(roleOf({ enrolledAs: 2, secretKept: { 1: true, 2: false }, steps })).toEqual({ kind: 'holder', holder: 2 });
    expect(roleOf({ enrolledAs: null, secretKept: { 1: true, 2: false }, steps })).toEqual({ kind: 'holder', holder: 1 });
    const generated = steps.map((s) => (s.id === 'key-generated' ? { ...s, state: 'done' as const } : s));
    expect(roleOf({ enrolledAs: null, secretKept: { 1: false, 2: false }, steps: generated })).toEqual({ kind: 'custodian' });
    expect(roleOf({ enrolledAs: null, secretKept: { 1: true, 2: true }, steps })).toEqual({ kind: 'unknown' });
  });

  it('on AWS, where no client secret is kept, tells the role from the enrolment, else the key store imported here, else the one AWS worksheet line saved here', () => {
    const none = { 1: false, 2: false };
    const aws = (importedFor: 1 | 2 | null, lineSaved: Record<1 | 2, boolean>) => ({ enrolledAs: null, secretKept: none, steps, keyStore: 'aws-kms' as const, aws: { importedFor, lineSaved } });
    expect(roleOf(aws(null, { 1: false, 2: true }))).toEqual({ kind: 'holder', holder: 2 });
    expect(roleOf(aws(1, { 1: true, 2: true }))).toEqual({ kind: 'holder', holder: 1 });
    expect(roleOf({ ...aws(1, { 1: true, 2: false }), enrolledAs: 2 })).toEqual({ kind: 'holder', holder: 2 });
    // Both lines typed here and nothing imported: a guess would pick the wrong holder as often as the right one.
    expect(roleOf(aws(null, { 1: true, 2: true }))).toEqual({ kind: 'unknown' });
    expect(roleOf({ ...aws(null, { 1: false, 2: false }), steps: steps.map((s) => (s.id === 'key-generated' ? { ...s, state: 'done' as const } : s)) })).toEqual({ kind: 'custodian' });
    // An Azure secret left over from before the switch says nothing about the AWS holder, and AWS lines nothing on Azure.
    expect(roleOf({ ...aws(null, { 1: false, 2: false }), secretKept: { 1: true, 2: false } })).toEqual({ kind: 'unknown' });
    expect(roleOf({ ...aws(null, { 1: true, 2: false }), keyStore: 'azure-key-vault' })).toEqual({ kind: 'unknown' });
  });

  it('a holder’s checklist is their own steps plus the shared ones after the escrow, never the other holder’s', () => {
    const ids = stepsFor({ kind: 'holder', holder: 1 }, steps).map((s) => s.id);
    expect(ids).toEqual(['worksheet-saved:1', 'holder-copy-written:1', 'registered:1', 'activation-attested:1', 'vault-imported:1', 'submitted:1', 'status-available', 'ceremony-closed']);
    expect(stepsFor({ kind: 'custodian' }, steps).map((s) => s.id)).toEqual(['key-generated', 'escrow-written', 'escrow-test-restored', 'holder-copy-written:1', 'holder-copy-written:2']);
  });

  it('every step links to a screen that exists', () => {
    const ids = new Set(screens.map((s) => s.id));
    for (const s of CEREMONY_STEPS) expect(ids.has(stepScreen(s.id)), s.id).toBe(true);
  });

  it('with AWS KMS chosen, every step links to a screen the menu lists: the AWS worksheet and import, never the Azure ones', () => {
    for (const keyStore of ['azure-key-vault', 'aws-kms'] as const) {
      const listed = new Set(menuScreens(keyStore).map((s) => s.id));
      for (const s of CEREMONY_STEPS) expect(listed.has(stepScreen(s.id, keyStore)), `${keyStore} ${s.id}`).toBe(true);
    }
    expect(stepScreen('worksheet-saved:1', 'aws-kms')).toBe('aws-worksheet');
    expect(stepScreen('activation-attested:2', 'aws-kms')).toBe('aws-import');
    expect(stepScreen('vault-imported:1', 'aws-kms')).toBe('aws-import');
    expect(stepScreen('registered:1', 'aws-kms')).toBe('registration');
    const aws = menuScreens('aws-kms').map((s) => s.id);
    expect(aws).not.toContain('worksheet');
    expect(aws).not.toContain('import');
    const azure = menuScreens('azure-key-vault').map((s) => s.id);
    expect(azure).not.toContain('aws-worksheet');
    expect(azure).not.toContain('aws-import');
    expect(screenTitle('registration', 'aws-kms')).toBe('Key store registration');
    expect(screenTitle('registration', 'azure-key-vault')).toBe('Vault registration');
  });

  it('the supervisor’s checklist is the two attestations and the closing, and every printable part has steps of its own', () => {
    expect(stepsFor({ kind: 'supervisor' }, steps).map((s) => s.id)).toEqual(['activation-attested:1', 'activation-attested:2', 'ceremony-closed']);
    expect(CHECKLIST_ROLES.map(roleTitle)).toEqual(['Key holder 1', 'Key holder 2', 'Escrow custodians', 'Supervisor']);
    for (const r of CHECKLIST_ROLES) expect(stepsFor(r, steps).length, roleTitle(r)).toBeGreaterThan(0);
    const two = stepsFor({ kind: 'holder', holder: 2 }, steps);
    expect(two.some((s) => s.holder === 1)).toBe(false);
  });
});
