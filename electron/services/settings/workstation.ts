/**
 * This workstation's mode (rehearsal or live) and its live settings, kept in
 * `workstation.json` in the app's base folder (above the per-mode data
 * folders), merged with IT's policy and the environment (policy, then
 * settings, then environment). A save is all or nothing: the whole live
 * section is checked against the shared rules and written in one atomic
 * write, only after the holder confirms; fields IT set cannot be changed.
 */
import { z } from 'zod';
import { KeyholderError } from '../../../shared/errors/index';
import { checkLiveSettings, liveSettingsSchema, workstationModeSchema, type LiveSettings, type WorkstationMode } from '../../../shared/settings/live-settings';
import { keyStoreChangesToManaged, keyStoreProblems, keyStoreSettingsSchema, type KeyStoreSettings } from '../../../shared/settings/key-store';
import { changesToManaged, effectiveConfiguration, NO_POLICY, type EffectiveConfiguration, type PolicySource } from '../../../shared/settings/policy';
import { openSettingsStore, type ConfFactory, type SettingsStore } from '../storage/settings-store';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';

export interface WorkstationSettingsDeps {
  /** The app's base folder (userData): holds workstation.json and the per-mode data folders. */
  baseDir: string;
  clock: Clock;
  log: Logger;
  policy?: PolicySource;
  env?: Record<string, string | undefined>;
  /** The mode this session actually runs in (decided at start; a switch takes effect after a restart). */
  running: WorkstationMode;
  /** The composition root decided the mode without asking (the CLI, test bridges): no first-run question. */
  modeDecided?: boolean;
  confFactory?: ConfFactory;
}

export interface WorkstationSettings {
  readonly running: WorkstationMode;
  configuration(): EffectiveConfiguration;
  /** First run: the holder's choice, recorded once. */
  chooseMode(mode: WorkstationMode): EffectiveConfiguration;
  /** Saves the live settings as a whole, after the holder confirmed; nothing is written if any field is wrong or managed. */
  saveLive(input: unknown, o: { confirmed: boolean }): EffectiveConfiguration;
  /** Saves the key-store choice (and its AWS settings) as a whole, after the holder confirmed; IT's pinned fields cannot change. */
  saveKeyStore(input: unknown, o: { confirmed: boolean }): EffectiveConfiguration;
  /** Records the mode for the next session; the caller ends this session (sign-outs, wiped activations) and restarts. */
  setMode(mode: WorkstationMode, o: { confirmed: boolean }): EffectiveConfiguration;
  /** The policy this session read at start (for the control plane pin and the authority host). */
  readonly policy: PolicySource;
}

const WORKSTATION_FILE = 'workstation';

export function openWorkstationSettings(d: WorkstationSettingsDeps): WorkstationSettings {
  const store: SettingsStore = openSettingsStore({ dir: d.baseDir, name: WORKSTATION_FILE, clock: d.clock, log: d.log, ...(d.confFactory ? { conf: d.confFactory } : {}) });
  const policy = d.policy ?? NO_POLICY;
  const read = (): { mode?: WorkstationMode; live?: LiveSettings; keyStore?: KeyStoreSettings } => {
    const mode = store.read('mode', workstationModeSchema);
    const live = store.read('live', liveSettingsSchema as unknown as z.ZodType<LiveSettings>);
    const keyStore = store.read('keyStore', keyStoreSettingsSchema as unknown as z.ZodType<KeyStoreSettings>);
    return { ...(mode ? { mode } : d.modeDecided ? { mode: d.running } : {}), ...(live ? { live } : {}), ...(keyStore ? { keyStore } : {}) };
  };
  const configuration = () => effectiveConfiguration({ policy, saved: read(), env: d.env ?? {} });
  const needConfirm = (confirmed: boolean, what: string) => {
    if (!confirmed) throw new KeyholderError('settings.not_confirmed', `Confirm ${what} first: nothing was saved.`);
  };
  return {
    running: d.running,
    policy,
    configuration,
    chooseMode(mode) {
      const cfg = configuration();
      if (cfg.modeChosen) return cfg;
      if (mode === 'rehearsal' && !cfg.rehearsalAllowed) throw rehearsalForbidden(cfg);
      store.write('mode', mode);
      d.log.info('first run: mode chosen', { mode });
      return configuration();
    },
    saveLive(input, o) {
      const checked = checkLiveSettings(input);
      if (!checked.ok) {
        throw new KeyholderError('settings.invalid', `Nothing was saved. ${checked.problems.map((p) => p.message).join(' ')}`, { field: checked.problems[0]!.field });
      }
      const cfg = configuration();
      const managed = changesToManaged(cfg, checked.value);
      if (managed.length) {
        throw new KeyholderError('settings.managed', `Nothing was saved: ${managed.join(', ')} ${managed.length === 1 ? 'is' : 'are'} set by your organisation (${cfg.policyOrigin ?? 'policy'}) and cannot be changed here. Ask your IT department.`, { field: managed[0]! });
      }
      needConfirm(o.confirmed, 'the settings');
      // One write of the whole section: a crash leaves the old settings or the new ones, never half of each.
      store.write('live', checked.value);
      d.log.info('live settings saved', { cloud: checked.value.cloud });
      return configuration();
    },
    saveKeyStore(input, o) {
      const checked = keyStoreSettingsSchema.safeParse(input);
      if (!checked.success) {
        const problems = keyStoreProblems(checked.error);
        throw new KeyholderError('settings.invalid', `Nothing was saved. ${problems.map((p) => p.message).join(' ')}`, { field: problems[0]!.field });
      }
      const cfg = configuration();
      const managed = keyStoreChangesToManaged(cfg.keyStore, checked.data);
      if (managed.length) {
        throw new KeyholderError('settings.managed', `Nothing was saved: ${managed.join(', ')} ${managed.length === 1 ? 'is' : 'are'} set by your organisation (${cfg.policyOrigin ?? 'policy'}) and cannot be changed here. Ask your IT department.`, { field: managed[0]! });
      }
      needConfirm(o.confirmed, 'the key store settings');
      store.write('keyStore', checked.data);
      d.log.info('key store settings saved', { provider: checked.data.provider });
      return configuration();
    },
    setMode(mode, o) {
      const cfg = configuration();
      if (cfg.modeLocked && mode !== cfg.mode) throw new KeyholderError('settings.managed', `Your organisation has set Key Holder to ${cfg.mode} mode (${cfg.policyOrigin ?? 'policy'}); it cannot be switched here.`);
      if (mode === 'rehearsal' && !cfg.rehearsalAllowed) throw rehearsalForbidden(cfg);
      if (mode === 'live' && !cfg.live) {
        throw new KeyholderError('settings.live_incomplete', `Live mode is not set up yet: ${cfg.problems.map((p) => p.message).join(' ')} Enter the settings and test the connection first.`);
      }
      needConfirm(o.confirmed, `the switch to ${mode} mode`);
      store.write('mode', mode);
      d.log.info('mode switched for the next session', { mode });
      return configuration();
    },
  };
}

function rehearsalForbidden(cfg: EffectiveConfiguration): KeyholderError {
  if (cfg.policyProblems.length) return new KeyholderError('settings.policy_invalid', cfg.policyProblems.map((p) => p.message).join(' '));
  return new KeyholderError('settings.rehearsal_forbidden', `Your organisation does not allow rehearsal mode on this computer (${cfg.policyOrigin ?? 'policy'}).`);
}
