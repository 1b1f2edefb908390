/**
 * The desktop half of the expiry reminders, kept thin: Electron's
 * Notification, Tray, powerMonitor and login-item settings around the expiry
 * service and its scheduler (electron/services/expiry), where the rules and
 * their tests live. Main calls `startReminders` once services exist.
 */
import { app, Menu, nativeImage, Notification, powerMonitor, Tray, type NativeImage } from 'electron';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Urgency } from '../../shared/expiry/dashboard';
import type { DueReminder } from '../../shared/expiry/reminders';
import type { Services } from '../services/index';
import type { Logger } from '../services/log/logger';
import { createReminderScheduler, type ReminderScheduler } from '../services/expiry/scheduler';
import { readFileOrNull, writeFileAtomic } from '../services/expiry/atomic-file';
import { withStateDot } from './tray-icon';

export interface RemindersOptions {
  services: Services;
  log: Logger;
  /** Brings the window back (creating it if closed) and shows this item on the dashboard. */
  showItem(itemId: string | null): void;
  quit(): void;
}

export interface Reminders {
  scheduler: ReminderScheduler;
  /** True when closing the last window should keep the app (and reminders) running in the tray. */
  keepRunningInTray(): boolean;
  /** Call from the window's 'close' when keepRunningInTray(): says once that reminders keep running. */
  windowClosedToTray(): void;
  dispose(): void;
}

const colours: Record<Urgency, [number, number, number]> = {
  ok: [47, 133, 90],
  notice: [31, 111, 235],
  warning: [181, 137, 0],
  critical: [180, 35, 24],
  expired: [122, 9, 22],
};

const words: Record<Urgency, string> = {
  ok: 'nothing expires within 90 days',
  notice: 'something expires within 90 days',
  warning: 'something expires within 30 days',
  critical: 'something expires within 7 days',
  expired: 'something has EXPIRED',
};

/** The app icon's tray sizes (assets/icons/png, copied beside the bundles by electron/build.mjs; inside the ASAR when packaged). */
const iconDir = path.join(__dirname, '../icons');

/** The app icon (16 px, and 32 px for 2x screens) with the state's colour as a dot: the colour is the message. */
function trayIcon(u: Urgency): NativeImage {
  const layer = (size: number) => {
    const icon = nativeImage.createFromPath(path.join(iconDir, `${size}x${size}.png`));
    const bitmap = icon.isEmpty() ? null : icon.resize({ width: size, height: size }).toBitmap();
    return nativeImage.createFromBitmap(withStateDot(bitmap, size, colours[u]), { width: size, height: size });
  };
  const image = layer(16);
  image.addRepresentation({ scaleFactor: 2, buffer: layer(32).toPNG() });
  return image;
}

function notificationText(d: DueReminder): { title: string; body: string } {
  const what = `${d.item.label} (${d.item.ceremony}, ${d.item.holder})`;
  if (d.threshold === 'expired') return { title: 'Expired: the vendor may have lost access', body: `${what} has expired. Open Key Holder to restore access.` };
  const when = d.daysLeft <= 0 ? 'today' : d.daysLeft === 1 ? 'tomorrow' : `in ${d.daysLeft} days`;
  return { title: `Expires ${when}`, body: `${what} expires ${when}. Open Key Holder for the one thing to do.` };
}

export function startReminders(opts: RemindersOptions): Reminders {
  const { services, log } = opts;
  const flagFile = path.join(services.deps.dataDir, 'expiry', 'tray.json');
  let tray: Tray | null = null;

  const openAtLogin = () => app.getLoginItemSettings().openAtLogin;

  const refreshTray = async () => {
    const board = await services.expiry.dashboard();
    if (!tray) {
      tray = new Tray(trayIcon(board.worst));
      tray.on('click', () => opts.showItem(null));
    } else tray.setImage(trayIcon(board.worst));
    tray.setToolTip(`Key Holder: ${words[board.worst]}`);
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: `Key Holder: ${words[board.worst]}`, enabled: false },
        { label: 'Open expiry dashboard', click: () => opts.showItem(null) },
        { label: 'Check expiries now', click: () => void scheduler.onClockChange() },
        { type: 'separator' },
        {
          label: 'Start at login, in the tray',
          type: 'checkbox',
          checked: openAtLogin(),
          click: (item) => {
            app.setLoginItemSettings({ openAtLogin: item.checked, openAsHidden: true, args: ['--tray'] });
            void refreshTray();
          },
        },
        { label: 'Quit Key Holder', click: () => opts.quit() },
      ]),
    );
  };

  const scheduler = createReminderScheduler({
    log,
    wallNow: () => services.deps.clock.now().getTime(),
    monotonicNow: () => performance.now(),
    evaluate: async (reason) => {
      // Graph's end dates (one $batch) when the holder is signed in; without it the worksheet's dates still count.
      await services.credentialRotation.refreshGraphItems().catch((e: unknown) => log.warn('Graph expiry refresh failed', { code: (e as { code?: string }).code }));
      const due = await services.expiry.evaluate(reason);
      if (Notification.isSupported()) {
        for (const d of due) {
          const n = new Notification({ ...notificationText(d), urgency: d.threshold === 'expired' || (typeof d.threshold === 'number' && d.threshold <= 7) ? 'critical' : 'normal' });
          n.on('click', () => opts.showItem(d.itemId));
          n.show();
        }
        // The rotation wizard's step 5 ends: the holder can now remove the old secret (each rotation reminded once).
        for (const r of services.credentialRotation.dueOverlapEnds()) {
          const n = new Notification({ title: 'The 24-hour overlap is over', body: `Key holder ${r.holder}: the vendor has had the new client secret for 24 hours. Open Key Holder's Credential rotation screen to remove the old one.` });
          n.on('click', () => opts.showItem(null));
          n.show();
        }
      }
      await refreshTray();
    },
  });

  const onResume = () => void scheduler.onResume();
  powerMonitor.on('resume', onResume);
  void scheduler.start();

  return {
    scheduler,
    keepRunningInTray: () => openAtLogin(),
    windowClosedToTray() {
      if (readFileOrNull(flagFile) !== null) return;
      if (Notification.isSupported()) {
        new Notification({ title: 'Key Holder is still running', body: 'Expiry reminders keep running in the tray. Quit from the tray menu to stop them.' }).show();
      }
      writeFileAtomic(flagFile, JSON.stringify({ toldAt: new Date().toISOString() }) + '\n');
    },
    dispose() {
      scheduler.stop();
      powerMonitor.removeListener('resume', onResume);
      tray?.destroy();
      tray = null;
      log.info('reminders stopped');
    },
  };
}
