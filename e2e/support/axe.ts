/** The axe rule tags every spec checks: WCAG 2.0, 2.1 and 2.2 at levels A and AA (target-size runs only with wcag22aa). */
export const WCAG22 = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
