import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';

type SettingsChannels = 'settings:view' | 'settings:test' | 'settings:save' | 'settings:save-key-store' | 'settings:choose-mode' | 'settings:switch-mode';

export function settingsHandlers(s: Services): Pick<Handlers, SettingsChannels> {
  return {
    'settings:view': async () => s.liveSettings.view(),
    'settings:test': (r) => s.liveSettings.test(r.settings, r.vaultUrl),
    'settings:save': async (r) => s.liveSettings.save(r.settings, r.confirmed),
    'settings:save-key-store': async (r) => s.liveSettings.saveKeyStore(r.keyStore, r.confirmed),
    'settings:choose-mode': async (r) => s.liveSettings.chooseMode(r.mode),
    'settings:switch-mode': (r) => s.liveSettings.switchMode(r.mode, r.confirmed),
  };
}
