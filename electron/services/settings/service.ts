/**
 * What the settings screen calls: the merged view (with IT's locked fields),
 * the connection test, saving and switching modes. A mode switch ends this
 * session (sign-outs, wiped activations) before the app restarts in the
 * other mode's data folder.
 */
import { KeyholderError } from '../../../shared/errors/index';
import { checkLiveSettings, type WorkstationMode } from '../../../shared/settings/live-settings';
import { endpointsOf } from '../../../shared/settings/live-settings';
import type { z } from 'zod';
import type { settingsViewSchema } from '../../../shared/ipc/channels/settings';
import type { EffectiveConfiguration } from '../../../shared/settings/policy';
import type { WorkstationSettings } from './workstation';
import { testConnection, type ConnectionReport, type ConnectionTestDeps } from './connection-test';

export type SettingsView = z.output<typeof settingsViewSchema>;

export interface SettingsService {
  view(): SettingsView;
  test(draft: unknown, vaultUrl: string): Promise<ConnectionReport>;
  save(draft: unknown, confirmed: boolean): SettingsView;
  saveKeyStore(draft: unknown, confirmed: boolean): SettingsView;
  chooseMode(mode: WorkstationMode): SettingsView;
  switchMode(mode: WorkstationMode, confirmed: boolean): Promise<{ view: SettingsView; restarting: boolean }>;
  /** Refuses a control plane other than the one IT's policy pins (no policy: anything goes). */
  checkControlPlane(baseUrl: string, fingerprint: string): void;
  /** The sign-in host live mode uses (null in rehearsal or before live is set up): what openExternal may open. */
  authorityHost(): string | null;
}

export function createSettingsService(d: {
  workstation: WorkstationSettings;
  connection: ConnectionTestDeps;
  endSession(): Promise<void>;
  restart?(): void;
  /** Rehearsal: the AWS settings this session uses in place of the holder's (the rehearsal cloud's Identity Center and KMS). */
  awsRehearsal?: () => SettingsView['keyStore']['rehearsal'];
}): SettingsService {
  const authorityHostOf = (cfg: EffectiveConfiguration) => (cfg.live ? endpointsOf(cfg.live).authorityHost : null);
  const toView = (cfg: EffectiveConfiguration): SettingsView => ({
    running: d.workstation.running,
    configured: cfg.mode,
    firstRun: !cfg.modeChosen,
    rehearsalAllowed: cfg.rehearsalAllowed,
    modeLocked: cfg.modeLocked,
    values: cfg.merged,
    sources: cfg.sources,
    managed: cfg.managed,
    problems: cfg.problems,
    liveReady: cfg.live !== null,
    controlPlane: cfg.controlPlane,
    policyOrigin: cfg.policyOrigin,
    policyProblems: cfg.policyProblems,
    authorityHost: d.workstation.running === 'live' ? authorityHostOf(cfg) : null,
    keyStore: {
      provider: cfg.keyStore.merged.provider,
      providerSource: cfg.keyStore.providerSource,
      ...(cfg.keyStore.merged.aws ? { aws: cfg.keyStore.merged.aws } : {}),
      managed: cfg.keyStore.managed,
      problems: cfg.keyStore.problems,
      rehearsal: d.workstation.running === 'rehearsal' ? (d.awsRehearsal?.() ?? null) : null,
    },
  });
  const view = () => toView(d.workstation.configuration());
  return {
    view,
    async test(draft, vaultUrl) {
      const checked = checkLiveSettings(draft);
      if (!checked.ok) throw new KeyholderError('settings.invalid', `Correct the settings first: ${checked.problems.map((p) => p.message).join(' ')}`, { field: checked.problems[0]!.field });
      try {
        new URL(vaultUrl);
      } catch {
        throw new KeyholderError('settings.invalid', 'Your vault: enter your key vault’s URL, such as https://contoso-keyholder.vault.azure.net.', { field: 'vaultUrl' });
      }
      return testConnection(d.connection, checked.value, vaultUrl);
    },
    save: (draft, confirmed) => toView(d.workstation.saveLive(draft, { confirmed })),
    saveKeyStore: (draft, confirmed) => toView(d.workstation.saveKeyStore(draft, { confirmed })),
    chooseMode: (mode) => toView(d.workstation.chooseMode(mode)),
    async switchMode(mode, confirmed) {
      const cfg = d.workstation.setMode(mode, { confirmed });
      await d.endSession();
      if (d.restart) {
        d.restart();
        return { view: toView(cfg), restarting: true };
      }
      return { view: toView(cfg), restarting: false };
    },
    authorityHost: () => authorityHostOf(d.workstation.configuration()),
    checkControlPlane(baseUrl, fingerprint) {
      const pin = d.workstation.configuration().controlPlane;
      if (!pin) return;
      const same = baseUrl.trim().replace(/\/+$/, '') === pin.url.replace(/\/+$/, '') && fingerprint.trim().toLowerCase() === pin.fingerprint;
      if (!same) {
        throw new KeyholderError('control_plane.managed', `Your organisation has set the vendor’s control plane to ${pin.url} with fingerprint ${pin.fingerprint} (${d.workstation.policy.origin ?? 'policy'}). Connect to that one; nothing was sent.`);
      }
    },
  };
}
