/**
 * What the about panel says: version and the commit it was built from (baked
 * in by electron/build.mjs), plus the Electron, Chromium and Node versions a
 * security reviewer asks for first. Pure, so it is tested without Electron.
 */
import type { AboutPanelOptionsOptions, MenuItemConstructorOptions } from 'electron';

/** Must equal electron-builder.yml's appId: Windows ties notifications and the Start-menu shortcut to it. */
export const APP_ID = 'org.keyholder.desktop';

export interface BuildInfo {
  version: string;
  commit: string;
  /** The app icon for the panel (Windows and Linux; macOS uses the bundle's own). */
  iconPath?: string;
  versions: { electron?: string; chrome?: string; node?: string };
}

export function aboutPanelOptions(b: BuildInfo): AboutPanelOptionsOptions {
  const runtime = [`Electron ${b.versions.electron ?? '?'}`, `Chromium ${b.versions.chrome ?? '?'}`, `Node ${b.versions.node ?? '?'}`].join(', ');
  return {
    applicationName: 'Key Holder',
    applicationVersion: b.version,
    // macOS shows this in brackets after the version; the other platforms show it on its own line.
    version: `commit ${b.commit}`,
    copyright: 'Copyright © the Key Holder authors',
    credits: `Dual-party customer-managed-key ceremony for key holders.\n${runtime}`,
    ...(b.iconPath ? { iconPath: b.iconPath } : {}),
  };
}

/**
 * The window menu: the platform's usual menus (Edit is what makes copy and
 * paste work in the worksheet's fields) and "About Key Holder". Developer
 * tools and reload only in unpackaged builds.
 */
export function applicationMenu(platform: NodeJS.Platform, isPackaged: boolean): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      ...(isPackaged ? [] : ([{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as MenuItemConstructorOptions[])),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const about: MenuItemConstructorOptions = { role: 'about', label: 'About Key Holder' };
  if (platform === 'darwin') {
    return [
      { label: 'Key Holder', submenu: [about, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }] },
      { role: 'editMenu' },
      view,
      { role: 'windowMenu' },
    ];
  }
  return [{ label: 'File', submenu: [{ role: 'quit', label: 'Quit Key Holder' }] }, { role: 'editMenu' }, view, { label: 'Help', submenu: [about] }];
}
