/**
 * What the home screen derives from the ceremony's step table: this
 * workstation's part, the steps that part carries out, and the screen where
 * each is done. Pure, so it is tested without a page.
 */
export type Role = { kind: 'holder'; holder: 1 | 2 } | { kind: 'custodian' } | { kind: 'supervisor' } | { kind: 'unknown' };

/** The parts a ceremony-day checklist is printed for, in the order they are offered. */
export const CHECKLIST_ROLES: readonly Role[] = [{ kind: 'holder', holder: 1 }, { kind: 'holder', holder: 2 }, { kind: 'custodian' }, { kind: 'supervisor' }];

/** A part in words, as the home screen and the printed checklist name it. */
export function roleTitle(role: Role): string {
  switch (role.kind) {
    case 'holder':
      return `Key holder ${role.holder}`;
    case 'custodian':
      return 'Escrow custodians';
    case 'supervisor':
      return 'Supervisor';
    default:
      return 'Not chosen yet';
  }
}

export interface GuideStep {
  id: string;
  title: string;
  holder: 1 | 2 | null;
  state: 'done' | 'ready' | 'blocked';
  waitingFor: string[];
  at: string | null;
}

const CUSTODIAN_STEPS = new Set(['key-generated', 'escrow-written', 'escrow-test-restored']);
/** The supervisor witnesses each holder's supervised activation and signs its attestation, then the closed ceremony's report. */
const SUPERVISOR_STEPS = new Set(['activation-attested:1', 'activation-attested:2', 'ceremony-closed']);

/** What an AWS workstation keeps for a holder: the key store imported here, and the lines of the AWS worksheet saved here. */
export interface AwsKept {
  importedFor: 1 | 2 | null;
  lineSaved: Record<1 | 2, boolean>;
}

/**
 * The holder the control plane enrolled, else what this workstation keeps for one holder alone (Azure: the client
 * secret; AWS, which has none: the key store imported here, else the one AWS worksheet line saved here), else the
 * custodians' desk if the escrow was made here.
 */
export function roleOf(o: { enrolledAs: 1 | 2 | null; secretKept: Record<1 | 2, boolean>; steps: readonly GuideStep[]; keyStore?: 'azure-key-vault' | 'aws-kms'; aws?: AwsKept | null }): Role {
  if (o.enrolledAs) return { kind: 'holder', holder: o.enrolledAs };
  const only = (kept: Record<1 | 2, boolean>) => {
    const held = ([1, 2] as const).filter((h) => kept[h]);
    return held.length === 1 ? held[0]! : null;
  };
  const own = o.keyStore === 'aws-kms' ? (o.aws?.importedFor ?? (o.aws ? only(o.aws.lineSaved) : null)) : only(o.secretKept);
  if (own) return { kind: 'holder', holder: own };
  if (o.steps.some((s) => s.id === 'key-generated' && s.state === 'done')) return { kind: 'custodian' };
  return { kind: 'unknown' };
}

/** The steps this workstation carries out, in the table's order. */
export function stepsFor(role: Role, steps: readonly GuideStep[]): GuideStep[] {
  if (role.kind === 'holder') return steps.filter((s) => s.holder === role.holder || (s.holder === null && !CUSTODIAN_STEPS.has(s.id) && s.id !== 'ceremony-opened'));
  if (role.kind === 'custodian') return steps.filter((s) => CUSTODIAN_STEPS.has(s.id) || s.id.startsWith('holder-copy-written'));
  if (role.kind === 'supervisor') return steps.filter((s) => SUPERVISOR_STEPS.has(s.id));
  return steps.filter((s) => s.id !== 'ceremony-opened');
}

/** The screens whose step is done elsewhere when the settings choose AWS KMS: its worksheet and its import. */
const AWS_SCREENS: Readonly<Record<string, string>> = { worksheet: 'aws-worksheet', import: 'aws-import' };

/** The screen (renderer/app/screens.ts id) where a step is carried out, for the key store the settings choose. */
export function stepScreen(stepId: string, keyStore: 'azure-key-vault' | 'aws-kms' = 'azure-key-vault'): string {
  const screen = azureScreen(stepId);
  return keyStore === 'aws-kms' ? (AWS_SCREENS[screen] ?? screen) : screen;
}

function azureScreen(stepId: string): string {
  const base = stepId.split(':')[0]!;
  const map: Record<string, string> = {
    'worksheet-saved': 'worksheet',
    'key-generated': 'escrow',
    'escrow-written': 'escrow',
    'escrow-test-restored': 'escrow',
    'holder-copy-written': 'escrow',
    registered: 'registration',
    'activation-attested': 'import',
    'vault-imported': 'import',
    submitted: 'submission',
    'status-available': 'status',
    'ceremony-closed': 'ceremony',
  };
  return map[base] ?? 'ceremony';
}
