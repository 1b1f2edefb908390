/**
 * Enrolment in the ceremony plan, as it happens before a ceremony: on the
 * Supervised activation screen, each person types their full name, ticks
 * their roles and chooses their own participant passphrase (twice). The
 * activation desk accepts nobody else. Shared by every spec that runs an
 * activation (activation, import, ceremony, lifecycle).
 *
 *   await enrolInPlan(page, [{ name: 'Sam Supervisor', roles: ['supervisor'] }, ...]);
 *   await enrolInPlan(page, importCast(people));
 */
import type { Page } from '@playwright/test';
import { expect } from './fixtures';
import { participantPassphrase, type ImportPeople } from './import';

export type PlanRole = 'operator' | 'supervisor' | 'keeper' | 'knower';
export interface PlannedPerson {
  name: string;
  roles: PlanRole[];
}

const ROLE_LABEL: Record<PlanRole, RegExp> = {
  operator: /^Operator/,
  supervisor: /^Supervisor/,
  keeper: /^Keeper or custodian/,
  knower: /^Knower/,
};

/** The four people of an import, each in their one role. */
export const importCast = (people: ImportPeople): PlannedPerson[] => (Object.entries(people) as [PlanRole, string][]).map(([role, name]) => ({ name, roles: [role] }));

/** Opens the Supervised activation screen and enrols each person; `afterEach` sees the screen after each enrolment (e.g. a screenshot). */
export async function enrolInPlan(page: Page, people: PlannedPerson[], afterEach?: (person: PlannedPerson) => unknown): Promise<string> {
  await page.getByRole('button', { name: 'Supervised activation' }).click();
  const plan = page.getByTestId('ceremony-plan');
  await expect(plan.getByTestId('plan-fingerprint')).toBeVisible();
  for (const p of people) {
    await plan.getByLabel('Full name').fill(p.name);
    for (const r of p.roles) await plan.getByRole('checkbox', { name: ROLE_LABEL[r] }).check();
    await plan.getByLabel('Choose a participant passphrase').fill(participantPassphrase(p.name));
    await plan.getByLabel('Type it again').fill(participantPassphrase(p.name));
    await plan.getByRole('button', { name: 'Enrol' }).click();
    await expect(plan.getByTestId('plan-enrolled')).toContainText(`${p.name} is enrolled`, { timeout: 30_000 });
    await afterEach?.(p);
  }
  const list = plan.getByRole('list', { name: 'Planned participants' });
  for (const p of people) await expect(list).toContainText(p.name);
  return (await plan.getByTestId('plan-fingerprint').textContent())!;
}
