import { describe, expect, it } from 'vitest';
import { ChromiumNotFoundError, findChromium } from '../support/chromium';

describe('findChromium', () => {
  it('prefers $KEYHOLDER_CHROMIUM, then /usr/bin/chromium', () => {
    expect(findChromium({ KEYHOLDER_CHROMIUM: '/opt/c/chrome' }, (p) => p === '/opt/c/chrome' || p === '/usr/bin/chromium')).toBe('/opt/c/chrome');
    expect(findChromium({}, (p) => p === '/usr/bin/chromium')).toBe('/usr/bin/chromium');
  });
  it('does not fall back when $KEYHOLDER_CHROMIUM points nowhere', () => {
    expect(() => findChromium({ KEYHOLDER_CHROMIUM: '/nope' }, (p) => p === '/usr/bin/chromium')).toThrow(/KEYHOLDER_CHROMIUM=\/nope/);
  });
  it('says how to install one when none is found', () => {
    let err: unknown;
    try {
      findChromium({}, () => false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChromiumNotFoundError);
    expect((err as Error).message).toMatch(/apt-get install chromium/);
    expect((err as Error).message).toMatch(/npx playwright install chromium/);
  });
});
