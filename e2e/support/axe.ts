import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';

/** The axe rule tags every spec checks: WCAG 2.0, 2.1 and 2.2 at levels A and AA (target-size runs only with wcag22aa). */
export const WCAG22 = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * axe with the WCAG 2.2 rules on the page (or the part `include` selects):
 * each violation as one line naming the rule, its impact and the elements, so
 * a failing spec says what to fix. `impacts: 'serious'` keeps the serious and
 * critical ones (the project's bar); 'all' keeps every one, for screens that
 * were clean of all of them. `bestPractice` adds axe's best-practice rules,
 * which a run without tags used to include.
 */
export async function wcag22Violations(page: Page, o: { include?: string; impacts?: 'serious' | 'all'; bestPractice?: boolean } = {}): Promise<string[]> {
  let builder = new AxeBuilder({ page }).withTags(o.bestPractice ? [...WCAG22, 'best-practice'] : WCAG22);
  if (o.include) builder = builder.include(o.include);
  const result = await builder.analyze();
  return result.violations
    .filter((v) => (o.impacts ?? 'serious') === 'all' || v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact ?? 'no impact'}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
