/**
 * Main-process pieces the worksheet service needs from Electron: printToPDF
 * of a self-contained HTML document in a hidden, script-less, sandboxed
 * window; the native save dialog; and electron-store as the settings backend.
 */
import { BrowserWindow, dialog } from 'electron';
import ElectronStore from 'electron-store';
import type { ConfFactory } from '../services/storage/settings-store';

export async function printHtmlToPdf(html: string): Promise<Uint8Array> {
  const win = new BrowserWindow({
    show: false,
    webPreferences: { javascript: false, sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true },
  });
  try {
    await win.loadURL(`data:text/html;charset=utf-8;base64,${Buffer.from(html, 'utf8').toString('base64')}`);
    const pdf = await win.webContents.printToPDF({ pageSize: 'A4', printBackground: true });
    return new Uint8Array(pdf);
  } finally {
    win.destroy();
  }
}

export async function chooseSavePath(parent: BrowserWindow | null, suggestedName: string, kind: 'pdf' | 'json' | 'keybackup'): Promise<string | null> {
  const filters = {
    pdf: [{ name: 'PDF document', extensions: ['pdf'] }],
    json: [{ name: 'JSON file', extensions: ['json'] }],
    keybackup: [{ name: 'Key Vault key backup', extensions: ['keybackup'] }],
  }[kind];
  const options = { defaultPath: suggestedName, filters, properties: ['createDirectory' as const, 'showOverwriteConfirmation' as const] };
  const r = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
  return r.canceled || !r.filePath ? null : r.filePath;
}

export async function chooseOpenPath(parent: BrowserWindow | null, kind: 'holder-copy' | 'escrow'): Promise<string | null> {
  const { title, name } = {
    'holder-copy': { title: 'Choose the key-holder copy', name: 'Key-holder copy' },
    escrow: { title: 'Choose the custodians’ escrow file', name: 'Escrow file' },
  }[kind];
  const options = { title, filters: [{ name, extensions: ['khescrow'] }], properties: ['openFile' as const] };
  const r = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
  return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
}

/** electron-store with the same options the plain-Node store uses (explicit cwd, no silent reset). */
export const electronStoreConf: ConfFactory = (options) => new ElectronStore<Record<string, unknown>>(options);
