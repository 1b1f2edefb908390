/**
 * Live mode's settings: tenant, application (client) ID and cloud (or a
 * custom cloud's endpoints), each checked as it is typed with the shared
 * rules; fields IT set are locked. "Test connection" signs in and checks the
 * vault before anything is saved; saving and switching modes each need a
 * confirmation.
 */
import { useCallback, useEffect, useState } from 'react';
import { KeyStoreSettings } from './KeyStoreSettings';
import { call } from '../../app/api';
import { Notice } from '../../ui/Notice';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { CLOUD_CHOICES, CLOUD_LABELS, CLOUD_PRESETS, type CloudChoice, type CloudEndpointSettings } from '../../../shared/settings/clouds';
import { checkField, checkLiveSettings, FIELD_LABELS, type FieldProblem, type SettingsField } from '../../../shared/settings/live-settings';

type View = ResponseOf<'settings:view'>;
type Report = ResponseOf<'settings:test'>;
type CustomKey = keyof CloudEndpointSettings;

const CUSTOM_FIELDS: { key: CustomKey; hint: string }[] = [
  { key: 'authorityHost', hint: 'Entra ID (or AD FS) of your cloud, e.g. https://login.microsoftonline.com' },
  { key: 'keyVaultDnsSuffix', hint: 'What vault host names end with, e.g. .vault.azure.net' },
  { key: 'managedHsmDnsSuffix', hint: 'What Managed HSM host names end with, e.g. .managedhsm.azure.net' },
  { key: 'keyVaultScope', hint: 'e.g. https://vault.azure.net/.default' },
  { key: 'graphEndpoint', hint: 'e.g. https://graph.microsoft.com' },
  { key: 'graphScope', hint: 'e.g. https://graph.microsoft.com/.default' },
  { key: 'resourceManagerEndpoint', hint: 'e.g. https://management.azure.com' },
  { key: 'resourceManagerScope', hint: 'e.g. https://management.azure.com/.default' },
];

const EMPTY_CUSTOM: CloudEndpointSettings = {
  authorityHost: '',
  keyVaultDnsSuffix: '',
  managedHsmDnsSuffix: '',
  keyVaultScope: '',
  graphEndpoint: '',
  graphScope: '',
  resourceManagerEndpoint: '',
  resourceManagerScope: '',
};

interface Draft {
  tenant: string;
  clientId: string;
  cloud: CloudChoice;
  custom: CloudEndpointSettings;
  expiryTracking: boolean;
  vaultUrl: string;
}

function draftOf(v: View): Draft {
  return {
    tenant: v.values.tenant ?? '',
    clientId: v.values.clientId ?? '',
    cloud: (v.values.cloud as CloudChoice | undefined) ?? 'public',
    custom: v.values.custom ?? EMPTY_CUSTOM,
    expiryTracking: v.values.expiryTracking ?? false,
    vaultUrl: '',
  };
}

function settingsOf(d: Draft) {
  return { tenant: d.tenant, clientId: d.clientId, cloud: d.cloud, ...(d.cloud === 'custom' ? { custom: { ...d.custom } as Record<string, string> } : {}), expiryTracking: d.expiryTracking };
}

function Help({ problem }: { problem: FieldProblem }) {
  return (
    <div className="field-error" role="alert">
      {problem.message}{' '}
      <span className="help-link">
        Where to find it: <code>{problem.help.href}</code> ({problem.help.label})
      </span>
    </div>
  );
}

function Managed() {
  return <span className="managed-badge">Set by your organisation</span>;
}

export function SettingsScreen() {
  const [view, setView] = useState<View | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [report, setReport] = useState<Report | null>(null);
  const [testing, setTesting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirmSave, setConfirmSave] = useState(false);
  const [confirmSwitch, setConfirmSwitch] = useState<'live' | 'rehearsal' | null>(null);

  const load = useCallback(async () => {
    const v = await call('settings:view', {});
    setView(v);
    setDraft(draftOf(v));
  }, []);
  useEffect(() => {
    load().catch((e: Error) => setError(e.message));
  }, [load]);

  if (!view || !draft) return <section aria-labelledby="settings-title"><h1 id="settings-title">Settings</h1>{error && <Notice tone="error">{error}</Notice>}</section>;

  const locked = (f: 'tenant' | 'clientId' | 'cloud' | 'custom' | 'expiryTracking') => view.managed.includes(f);
  const set = (patch: Partial<Draft>, field?: string) => {
    setDraft({ ...draft, ...patch });
    if (field) setTouched(new Set(touched).add(field));
    setReport(null);
    setConfirmSave(false);
  };
  const problemOf = (field: SettingsField, value: unknown) => (touched.has(field) ? checkField(field, value) : null);
  const whole = checkLiveSettings(settingsOf(draft));
  const vaultProblem = checkField('vaultUrl', draft.vaultUrl);

  const input = (field: 'tenant' | 'clientId', hint: string) => {
    const p = problemOf(field, draft[field]);
    return (
      <div className="field">
        <label htmlFor={`settings-${field}`}>
          {FIELD_LABELS[field]} {locked(field) && <Managed />}
        </label>
        <div className="hint">{hint}</div>
        <input id={`settings-${field}`} type="text" className="mono" value={draft[field]} disabled={locked(field)} aria-invalid={p ? true : undefined} onChange={(e) => set({ [field]: e.target.value }, field)} />
        {p && <Help problem={p} />}
      </div>
    );
  };

  const runTest = async () => {
    setTesting(true);
    setError(null);
    setReport(null);
    try {
      setReport(await call('settings:test', { settings: settingsOf(draft), vaultUrl: draft.vaultUrl.trim() }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setTesting(false);
    }
  };
  const save = async () => {
    setError(null);
    try {
      const v = await call('settings:save', { settings: settingsOf(draft), confirmed: true });
      setView(v);
      setConfirmSave(false);
      setNotice(v.running === 'live' ? 'Settings saved. They apply when Key Holder next starts.' : 'Settings saved. Switch to live mode below to use them.');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const switchMode = async (mode: 'live' | 'rehearsal') => {
    setError(null);
    try {
      const r = await call('settings:switch-mode', { mode, confirmed: true });
      setView(r.view);
      setConfirmSwitch(null);
      setNotice(r.restarting ? `Key Holder is restarting in ${mode} mode…` : `You are signed out and open activations were cleared. Close and reopen Key Holder to continue in ${mode} mode.`);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const other = view.running === 'live' ? 'rehearsal' : 'live';
  return (
    <section aria-labelledby="settings-title" className="settings-screen">
      <h1 id="settings-title">Settings</h1>
      <p className="lede">
        Live mode signs you in to your organisation’s own Microsoft Entra tenant and imports into your real vault. Your Azure administrator has the values
        below (docs/live-mode.md explains each step).
      </p>
      {error && <Notice tone="error" testId="settings-error">{error}</Notice>}
      {notice && <Notice tone="success" testId="settings-notice">{notice}</Notice>}
      {view.policyOrigin && (
        <Notice tone="info" testId="settings-managed">
          Some settings are set by your organisation ({view.policyOrigin}) and cannot be changed here.
        </Notice>
      )}
      {view.policyProblems.map((p) => (
        <Notice key={p.message} tone="error">{p.message}</Notice>
      ))}

      <KeyStoreSettings view={view.keyStore} onSaved={setView} />

      <div className="card" data-testid="settings-mode">
        <h2>Mode</h2>
        <p>
          This session: <strong>{view.running === 'live' ? 'Live' : 'Rehearsal'}</strong>. Next start: <strong>{view.configured === 'live' ? 'Live' : 'Rehearsal'}</strong>.
          {view.modeLocked && <> <Managed /></>}
        </p>
        {!view.modeLocked && (other === 'live' || view.rehearsalAllowed) && !confirmSwitch && (
          <button type="button" className="secondary" disabled={other === 'live' && !view.liveReady} onClick={() => setConfirmSwitch(other)}>
            {other === 'live' ? 'Switch to live mode' : 'Switch to rehearsal'}
          </button>
        )}
        {other === 'live' && !view.liveReady && <p className="hint">Save complete live settings first (test the connection before you save).</p>}
        {confirmSwitch && (
          <div className="notice notice-warning" role="alert">
            <p>
              Switching to {confirmSwitch} mode signs you out, clears any open activation and restarts Key Holder. {confirmSwitch === 'live' ? 'Live' : 'Rehearsal'} mode keeps its own data folder: nothing from one mode is used in the other.
            </p>
            <div className="actions">
              <button type="button" className="primary" onClick={() => void switchMode(confirmSwitch)}>
                Confirm: switch to {confirmSwitch} mode and restart
              </button>
              <button type="button" className="link" onClick={() => setConfirmSwitch(null)}>
                Cancel
              </button>
            </div>
          </div>
        )}
      </div>

      <fieldset>
        <legend>Your organisation’s tenant</legend>
        {input('tenant', 'Directory (tenant) ID from Microsoft Entra ID > Overview, or a verified domain such as contoso.com')}
        {input('clientId', 'Application (client) ID of your organisation’s Key Holder app registration')}
        <div className="field">
          <label htmlFor="settings-cloud">
            {FIELD_LABELS.cloud} {locked('cloud') && <Managed />}
          </label>
          <select
            id="settings-cloud"
            value={draft.cloud}
            disabled={locked('cloud')}
            onChange={(e) => {
              const cloud = e.target.value as CloudChoice;
              // Starting a custom cloud from the public one's values makes each field's shape obvious.
              set({ cloud, ...(cloud === 'custom' && !draft.custom.authorityHost ? { custom: { ...EMPTY_CUSTOM } } : {}) }, 'cloud');
            }}
          >
            {CLOUD_CHOICES.map((c) => (
              <option key={c} value={c}>
                {CLOUD_LABELS[c]}
              </option>
            ))}
          </select>
          {draft.cloud !== 'custom' && (
            <div className="hint">
              Signs in at {CLOUD_PRESETS[draft.cloud].authorityHost}; vaults end with {CLOUD_PRESETS[draft.cloud].keyVaultDnsSuffix}.
            </div>
          )}
        </div>
        {draft.cloud === 'custom' && (
          <div className="details-grid" data-testid="custom-cloud">
            {CUSTOM_FIELDS.map(({ key, hint }) => {
              const p = problemOf(key, draft.custom[key]);
              return (
                <div className="field" key={key}>
                  <label htmlFor={`settings-${key}`}>
                    {FIELD_LABELS[key]} {locked('custom') && <Managed />}
                  </label>
                  <div className="hint">{hint}</div>
                  <input
                    id={`settings-${key}`}
                    type="text"
                    className="mono"
                    value={draft.custom[key]}
                    disabled={locked('custom')}
                    aria-invalid={p ? true : undefined}
                    onChange={(e) => set({ custom: { ...draft.custom, [key]: e.target.value } }, key)}
                  />
                  {p && <Help problem={p} />}
                </div>
              );
            })}
          </div>
        )}
        <div className="field">
          <label className="checkbox">
            <input type="checkbox" checked={draft.expiryTracking} disabled={locked('expiryTracking')} onChange={(e) => set({ expiryTracking: e.target.checked })} />
            Track the client secret’s expiry (reads app registrations through Microsoft Graph) {locked('expiryTracking') && <Managed />}
          </label>
        </div>
      </fieldset>

      {view.controlPlane && (
        <fieldset data-testid="settings-control-plane">
          <legend>Vendor control plane</legend>
          <div className="field">
            <span className="label">
              {FIELD_LABELS.controlPlaneUrl} <Managed />
            </span>
            <code>{view.controlPlane.url}</code>
          </div>
          <div className="field">
            <span className="label">
              {FIELD_LABELS.controlPlaneFingerprint} <Managed />
            </span>
            <code>{view.controlPlane.fingerprint}</code>
          </div>
        </fieldset>
      )}

      <fieldset>
        <legend>Test the connection</legend>
        <div className="field">
          <label htmlFor="settings-vaultUrl">{FIELD_LABELS.vaultUrl}</label>
          <div className="hint">Key vault &gt; Overview &gt; Vault URI. Only used for the test; nothing is saved.</div>
          <input
            id="settings-vaultUrl"
            type="text"
            className="mono wide"
            value={draft.vaultUrl}
            aria-invalid={touched.has('vaultUrl') && vaultProblem ? true : undefined}
            onChange={(e) => set({ vaultUrl: e.target.value }, 'vaultUrl')}
          />
          {touched.has('vaultUrl') && vaultProblem && <Help problem={vaultProblem} />}
        </div>
        <div className="actions">
          <button type="button" className="primary" disabled={!whole.ok || !!vaultProblem || testing} onClick={() => void runTest()}>
            {testing ? 'Testing… finish signing in in your browser' : 'Test connection'}
          </button>
          {!whole.ok && <span className="save-state">Fill in every field correctly to test.</span>}
        </div>
        {report && (
          <div data-testid="connection-report">
            <Notice tone={report.ok ? 'success' : 'error'}>{report.ok ? 'Every check passed. You can save these settings.' : 'Some checks failed: fix what is said below, then test again.'}</Notice>
            <table className="cp-table">
              <tbody>
                {report.checks.map((c) => (
                  <tr key={c.id} data-testid={`check-${c.id}`} data-status={c.status}>
                    <th scope="row">{c.label}</th>
                    <td className={`check-${c.status}`}>{{ pass: '✓ Pass', fail: '✗ Fix this', warn: '! Note', skipped: '– Not checked' }[c.status]}</td>
                    <td>{c.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </fieldset>

      <div className="actions">
        {!confirmSave ? (
          <button type="button" className="primary" disabled={!whole.ok || !report} onClick={() => setConfirmSave(true)}>
            Save settings…
          </button>
        ) : (
          <div className="notice notice-warning" role="alert">
            <p>{report?.ok ? 'Save these settings for this computer?' : 'The connection test did not pass. Save these settings anyway?'}</p>
            <div className="actions">
              <button type="button" className="primary" onClick={() => void save()}>
                Confirm and save
              </button>
              <button type="button" className="link" onClick={() => setConfirmSave(false)}>
                Cancel
              </button>
            </div>
          </div>
        )}
        {!report && whole.ok && <span className="save-state">Test the connection before saving.</span>}
      </div>
    </section>
  );
}
