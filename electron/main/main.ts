/**
 * Electron main: window lifecycle and wiring only. All work happens in
 * services built by createServices; IPC goes through safeHandle.
 */
import { app, BrowserWindow, ipcMain } from 'electron';
import path from 'node:path';
import { createServices } from '../services/index';
import { createHandlers } from '../ipc/handlers/index';
import { dispatch } from '../ipc/dispatch';
import { channelNames, EVENT_CHANNEL } from '../../shared/ipc/contract';
import { createLogger } from '../services/log/logger';
import { systemClock } from '../services/platform/clock';
import { electronSecretBox } from './secret-box.electron';

const log = createLogger();
let mainWindow: BrowserWindow | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 860,
    title: 'Key Holder',
    webPreferences: {
      preload: path.join(__dirname, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  void win.loadFile(path.join(__dirname, '../renderer/index.html'));
  return win;
}

void app.whenReady().then(() => {
  const services = createServices({
    dataDir: app.getPath('userData'),
    secretBox: electronSecretBox(),
    clock: systemClock,
    log,
    environment: { mode: 'rehearsal', description: 'Rehearsal cloud on this computer' },
    appVersion: app.getVersion(),
    emit: (event, payload) => mainWindow?.webContents.send(EVENT_CHANNEL, event, payload),
  });
  const handlers = createHandlers(services);
  for (const name of channelNames) {
    ipcMain.handle(name, (_event, request: unknown) => dispatch(handlers, name, request, log));
  }
  mainWindow = createWindow();
});

app.on('window-all-closed', () => app.quit());
