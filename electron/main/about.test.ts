import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { aboutPanelOptions, APP_ID, applicationMenu } from './about';
import { MAC_BUNDLE_ID } from '../services/settings/policy-reader';

function roles(items: MenuItemConstructorOptions[]): string[] {
  return items.flatMap((i) => [...(i.role ? [i.role] : []), ...(Array.isArray(i.submenu) ? roles(i.submenu) : [])]);
}

describe('about panel', () => {
  it('names the version and the commit, and the runtime versions', () => {
    const o = aboutPanelOptions({ version: '1.2.3', commit: '0123456789ab', versions: { electron: '41.7.1', chrome: '146.0', node: '22.1.0' } });
    expect(o.applicationName).toBe('Key Holder');
    expect(o.applicationVersion).toBe('1.2.3');
    expect(o.version).toBe('commit 0123456789ab');
    expect(o.credits).toContain('Electron 41.7.1');
    expect(o.iconPath).toBeUndefined();
    expect(aboutPanelOptions({ version: '1', commit: 'c', versions: {}, iconPath: '/app/icons/256x256.png' }).iconPath).toBe('/app/icons/256x256.png');
  });

  it('is reachable from the menu on every platform, with copy and paste; developer tools only unpackaged', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const packaged = roles(applicationMenu(platform, true));
      expect(packaged).toContain('about');
      expect(packaged).toContain('editMenu');
      expect(packaged).not.toContain('toggleDevTools');
      expect(packaged).not.toContain('reload');
      expect(roles(applicationMenu(platform, false))).toContain('toggleDevTools');
    }
  });

  it('uses the appId the installers register', () => {
    const config = parse(readFileSync(path.resolve(__dirname, '../../electron-builder.yml'), 'utf8')) as { appId: string };
    expect(config.appId).toBe(APP_ID);
    // macOS managed preferences (IT policy) are read from the app's bundle ID, which is this appId.
    expect(MAC_BUNDLE_ID).toBe(APP_ID);
  });
});
