import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { resolveAppUrl } from './protocol';

describe('resolveAppUrl', () => {
  const root = path.resolve('/opt/kh/renderer');
  it('maps the root and assets inside the renderer folder', () => {
    expect(resolveAppUrl(root, 'app://keyholder/')).toBe(path.join(root, 'index.html'));
    expect(resolveAppUrl(root, 'app://keyholder/assets/a.js')).toBe(path.join(root, 'assets/a.js'));
  });
  it('never leaves the renderer folder', () => {
    expect(resolveAppUrl(root, 'app://keyholder/%2e%2e/%2e%2e/etc/passwd')).toBe(path.join(root, 'etc/passwd'));
    expect(resolveAppUrl(root, 'app://keyholder/..%2F..%2Fsecret')).toBe(path.join(root, 'secret'));
  });
  it('refuses other hosts and malformed escapes', () => {
    expect(resolveAppUrl(root, 'app://other/index.html')).toBeNull();
    expect(resolveAppUrl(root, 'app://keyholder/%E0%A4%A')).toBeNull();
  });
});
