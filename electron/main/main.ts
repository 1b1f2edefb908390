/**
 * Electron main: window lifecycle, hardening and wiring only. All work
 * happens in services built by createServices; every IPC call goes through
 * safeHandle (sender check) and then the same dispatch the test bridge uses.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, type WebContents } from 'electron';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createServices } from '../services/index';
import { createHandlers } from '../ipc/handlers/index';
import { checkEvent, dispatch } from '../ipc/dispatch';
import { channelNames, EVENT_CHANNEL } from '../../shared/ipc/contract';
import { createLogger } from '../services/log/logger';
import { systemClock } from '../services/platform/clock';
import { electronSecretBox } from './secret-box.electron';
import { headerCspFromIndexHtml } from './csp';
import { serveApp } from './protocol';
import { chooseOpenPath, chooseSavePath, electronStoreConf, printHtmlToPdf } from './documents.electron';
import { APP_ORIGIN, forbiddenSender, isTrustedSender } from './safe-handle';
import { workstationCloud, type WorkstationCloud } from '../composition/workstation-cloud';
import { platformPolicyReader } from '../services/settings/policy-reader';
import { startReminders, type Reminders } from './reminders.electron';
import { appEnvironment } from './overrides';
import { aboutPanelOptions, APP_ID, applicationMenu } from './about';
import { escrowFileFromArgv, isEscrowFileName } from './open-file';
import { assertSignInUrl } from '../services/identity/sign-in-url';

/** The commit this build came from, baked in by electron/build.mjs. */
declare const __KEYHOLDER_COMMIT__: string;

const log = createLogger();
const rendererDir = path.join(__dirname, '../renderer');
let mainWindow: BrowserWindow | null = null;

// Before ready: app:// behaves like https (secure context, fetch, its own origin).
protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: false } },
]);

// Test and rehearsal overrides count only in unpackaged builds (security review #17): an installed app ignores them.
const { env: appEnv, ignored: ignoredOverrides } = appEnvironment(process.env, app.isPackaged);
// Tests and second workstations on one account point the data folder elsewhere.
if (appEnv.KEYHOLDER_DATA_DIR) app.setPath('userData', path.resolve(appEnv.KEYHOLDER_DATA_DIR));

// Windows ties notifications and the Start-menu shortcut to this ID (the installers register the same one).
if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

/**
 * An escrow file the system asked us to open (double-click, "Open with"):
 * kept until the window and services exist, then shown in the escrow
 * inspector through the same app:show event the tray uses.
 */
let pendingEscrowFile: string | null = escrowFileFromArgv(process.argv, process.cwd());
let openEscrowFile: ((file: string) => void) | null = null;
function escrowFileRequested(file: string): void {
  if (openEscrowFile) openEscrowFile(file);
  else pendingEscrowFile = file;
}
// macOS sends the file as an event, possibly before 'ready': listen from the start.
app.on('open-file', (event, file) => {
  if (!isEscrowFileName(file)) return;
  event.preventDefault();
  escrowFileRequested(file);
});

if (!app.requestSingleInstanceLock()) {
  // A second copy would write the same settings and ceremony files concurrently.
  app.quit();
} else {
  app.on('second-instance', (_event, argv, workingDirectory) => {
    // Windows and Linux start a second copy with the double-clicked file: it hands the file over and quits.
    const file = escrowFileFromArgv(argv, workingDirectory);
    if (file) return escrowFileRequested(file);
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  void app.whenReady().then(start).catch((e: unknown) => {
    log.error('Key Holder could not start', { error: e });
    app.quit();
  });
}

function harden(contents: WebContents): void {
  contents.on('will-navigate', (e, url) => {
    if (url !== contents.getURL()) e.preventDefault();
  });
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Links to Microsoft's documentation open in the user's browser, never inside the app.
    if (/^https:\/\/learn\.microsoft\.com\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

function createWindow(): BrowserWindow {
  pageReady = false;
  const win = new BrowserWindow({
    width: 1200,
    height: 860,
    title: 'Key Holder',
    // Windows and macOS take the icon from the installed app; Linux window managers want it on the window.
    ...(process.platform === 'linux' ? { icon: path.join(__dirname, '../icons/256x256.png') } : {}),
    show: false,
    webPreferences: {
      preload: path.join(__dirname, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  // A screen with unsaved edits holds the page's unload (renderer/app/unsaved.ts); Electron closes silently unless asked.
  win.webContents.on('will-prevent-unload', (event) => {
    const choice = dialog.showMessageBoxSync(win, {
      type: 'warning',
      title: 'Unsaved changes',
      message: 'Some changes in Key Holder are not saved.',
      detail: 'Stay to save them first, or close and discard them.',
      buttons: ['Stay', 'Discard changes and close'],
      defaultId: 0,
      cancelId: 0,
    });
    if (choice === 1) event.preventDefault();
  });
  win.webContents.on('did-start-loading', () => {
    if (mainWindow === win) pageReady = false;
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

let cloud: WorkstationCloud | null = null;
let reminders: Reminders | null = null;
let quitting = false;

/** Brings the window back (re-creating it if it was closed to the tray) and shows a screen. */
function showScreen(screen: string, item: string | null, emit: (screen: string, item: string | null) => void): void {
  if (!mainWindow) {
    mainWindow = createWindow();
    keepInTrayOnClose(mainWindow);
  } else {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  }
  showWhenReady(screen, item, emit);
}

/**
 * An app:show sent before the page listens is lost ('did-finish-load' can
 * come before React has mounted). The page asks app:info in the same commit
 * that subscribes to app:show (renderer/app/App.tsx), so the first app:info
 * call from a freshly loaded page means it listens: the last waiting show
 * goes out then.
 */
let pageReady = false;
let waitingShow: { screen: string; item: string | null; emit: (screen: string, item: string | null) => void } | null = null;
function showWhenReady(screen: string, item: string | null, emit: (screen: string, item: string | null) => void): void {
  if (pageReady) emit(screen, item);
  else waitingShow = { screen, item, emit };
}
function pageListens(): void {
  if (pageReady) return;
  pageReady = true;
  const w = waitingShow;
  waitingShow = null;
  if (w) setImmediate(() => w.emit(w.screen, w.item));
}

function keepInTrayOnClose(win: BrowserWindow): void {
  win.on('close', (e) => {
    if (quitting || !reminders?.keepRunningInTray()) return;
    // Reminders must keep running when the holder opted in: hide instead of quitting, and say so once.
    e.preventDefault();
    win.hide();
    reminders.windowClosedToTray();
  });
}

async function start(): Promise<void> {
  app.setAboutPanelOptions(aboutPanelOptions({ version: app.getVersion(), commit: __KEYHOLDER_COMMIT__, versions: process.versions, iconPath: path.join(__dirname, '../icons/256x256.png') }));
  Menu.setApplicationMenu(Menu.buildFromTemplate(applicationMenu(process.platform, app.isPackaged)));
  const csp = headerCspFromIndexHtml(readFileSync(path.join(rendererDir, 'index.html'), 'utf8'));
  protocol.handle('app', (request) => serveApp(rendererDir, request, csp));

  const ses = session.defaultSession;
  // Every permission is denied except writing plain text to the clipboard (the Copy buttons: device code, the
  // rehearsal vendor's values); reading the clipboard stays denied.
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(permission === 'clipboard-sanitized-write'));
  ses.setPermissionCheckHandler((_wc, permission) => permission === 'clipboard-sanitized-write');
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders, 'Content-Security-Policy': [csp] };
    callback({ responseHeaders: headers });
  });
  app.on('web-contents-created', (_e, contents) => harden(contents));

  if (ignoredOverrides.length) log.warn('test-only environment overrides ignored by the installed app', { names: ignoredOverrides });
  // IT's policy, then the holder's settings, then the environment decide the mode; each mode has its own data folder.
  // A test policy file only for unpackaged builds (appEnvironment drops KEYHOLDER_POLICY_FILE from a packaged app's
  // environment): a user must not point a managed installation away from IT's policy.
  const policy = platformPolicyReader(process.platform, appEnv.KEYHOLDER_POLICY_FILE);
  cloud = await workstationCloud({ baseDir: app.getPath('userData'), policy, log, confFactory: electronStoreConf, env: appEnv });
  const services = createServices({
    ...cloud.deps,
    dataDir: cloud.dataDir,
    // A mode switch starts a new session in the other mode's data folder.
    restartSession: () => {
      app.relaunch();
      app.quit();
    },
    secretBox: electronSecretBox(),
    clock: systemClock,
    log,
    appVersion: app.getVersion(),
    emit: (event, payload) => {
      const checked = checkEvent(event, payload, log);
      if (checked && mainWindow && !mainWindow.webContents.isDestroyed()) {
        mainWindow.webContents.send(EVENT_CHANNEL, checked.event, checked.payload);
      }
    },
    confFactory: electronStoreConf,
    pdf: { fromHtml: printHtmlToPdf },
    chooseSavePath: (name, kind) => chooseSavePath(mainWindow, name, kind),
    chooseOpenPath: (kind) => chooseOpenPath(mainWindow, kind),
    // Sign-in opens in the holder's own browser (Microsoft's recommendation for desktop apps); only the configured authority's pages.
    openBrowser: async (url) => {
      assertSignInUrl(url, cloud?.deps.azure?.identity.authorityHost);
      await shell.openExternal(url);
    },
    // IAM Identity Center's approval page: the service has checked it is AWS's device page (or the rehearsal's); https only here too.
    openAwsApproval: async (url) => {
      if (new URL(url).protocol !== 'https:') throw new Error('refused: not https');
      await shell.openExternal(url);
    },
  });
  const handlers = createHandlers(services);
  for (const name of channelNames) {
    ipcMain.handle(name, async (event, request: unknown) => {
      if (!isTrustedSender(event, mainWindow?.webContents ?? null)) {
        log.warn('ipc call from an untrusted sender refused', { channel: name });
        return forbiddenSender;
      }
      if (name === 'app:info') pageListens();
      return dispatch(handlers, name, request, log);
    });
  }
  // The primary key's status (and a pending registration) is followed while the app runs.
  services.controlPlane.startPolling((ms, fn) => {
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
  }, 60_000);
  const show = (screen: string, item: string | null) => {
    const checked = checkEvent('app:show', { screen, item }, log);
    if (checked && mainWindow && !mainWindow.webContents.isDestroyed()) mainWindow.webContents.send(EVENT_CHANNEL, checked.event, checked.payload);
  };
  reminders = startReminders({
    services,
    log,
    showItem: (itemId) => showScreen('expiry', itemId, show),
    quit: () => app.quit(),
  });
  app.once('before-quit', () => {
    quitting = true;
    reminders?.dispose();
    services.controlPlane.stop();
    // Open activations hold key material: wipe it before the process goes.
    services.activation.wipeAll();
    void cloud?.stop();
  });
  mainWindow = createWindow();
  keepInTrayOnClose(mainWindow);
  openEscrowFile = (file) => showScreen('escrow-file', file, show);
  if (pendingEscrowFile) {
    showWhenReady('escrow-file', pendingEscrowFile, show);
    pendingEscrowFile = null;
  }
}

app.on('window-all-closed', () => {
  if (!reminders?.keepRunningInTray()) app.quit();
});
