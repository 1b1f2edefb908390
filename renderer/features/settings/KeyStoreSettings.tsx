/**
 * Which key store this workstation's holder keeps the key in, and for AWS
 * KMS how Key Holder reaches it: the key's Region, IAM Identity Center (the
 * access portal's start URL and its Region) or a named profile, and an
 * optional KMS endpoint override. Each field is checked as it is typed with
 * the same rules the Node side applies on save; fields IT set are locked; in
 * rehearsal the rehearsal cloud's Identity Center and KMS are used instead.
 */
import { useState } from 'react';
import { call } from '../../app/api';
import { useApp } from '../../app/store';
import { Notice } from '../../ui/Notice';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { KeyholderError } from '../../../shared/errors/index';
import { AWS_SETTINGS_HELP, keyStoreProblems, keyStoreSettingsSchema, PROVIDER_LABELS, type KeyStoreProvider } from '../../../shared/settings/key-store';

type View = ResponseOf<'settings:view'>;
type KeyStoreView = View['keyStore'];

interface Draft {
  provider: KeyStoreProvider;
  region: string;
  method: 'identity-center' | 'profile';
  startUrl: string;
  ssoRegion: string;
  profile: string;
  kmsEndpoint: string;
}

function draftOf(k: KeyStoreView): Draft {
  const s = k.aws?.signIn;
  return {
    provider: k.provider,
    region: k.aws?.region ?? '',
    method: s?.method ?? 'identity-center',
    startUrl: s?.method === 'identity-center' ? s.startUrl : '',
    ssoRegion: s?.method === 'identity-center' ? s.ssoRegion : '',
    profile: s?.method === 'profile' ? s.profile : '',
    kmsEndpoint: k.aws?.kmsEndpoint ?? '',
  };
}

function toSettings(d: Draft) {
  if (d.provider !== 'aws-kms') return { provider: d.provider };
  return {
    provider: d.provider,
    aws: {
      region: d.region,
      signIn: d.method === 'identity-center' ? { method: 'identity-center' as const, startUrl: d.startUrl, ssoRegion: d.ssoRegion } : { method: 'profile' as const, profile: d.profile },
      ...(d.kmsEndpoint.trim() ? { kmsEndpoint: d.kmsEndpoint } : {}),
    },
  };
}

export function KeyStoreSettings({ view, onSaved }: { view: KeyStoreView; onSaved(v: View): void }) {
  const setKeyStore = useApp((a) => a.setKeyStore);
  const [draft, setDraft] = useState<Draft>(() => draftOf(view));
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const locked = (f: 'provider' | 'region' | 'signIn' | 'kmsEndpoint') => view.managed.includes(f);
  const checked = keyStoreSettingsSchema.safeParse(toSettings(draft));
  const problems = checked.success ? [] : keyStoreProblems(checked.error);
  const problemOf = (field: string) => problems.find((p) => p.field === field)?.message;
  const set = (patch: Partial<Draft>) => {
    setDraft({ ...draft, ...patch });
    setConfirm(false);
    setSaved(false);
  };

  const save = async () => {
    setError(null);
    try {
      const v = await call('settings:save-key-store', { keyStore: toSettings(draft), confirmed: true });
      onSaved(v);
      // The menu follows at once: the chosen key store's worksheet and import screens.
      setKeyStore(v.keyStore.provider);
      setConfirm(false);
      setSaved(true);
    } catch (e) {
      setError(e instanceof KeyholderError ? e.message : 'The settings could not be saved. Nothing was changed; try again.');
    }
  };

  const field = (name: 'region' | 'startUrl' | 'ssoRegion' | 'profile' | 'kmsEndpoint', label: string, placeholder: string, lockedBy: 'region' | 'signIn' | 'kmsEndpoint') => (
    <label>
      {label}
      {locked(lockedBy) && <span className="managed-badge">Set by your organisation</span>}
      <input value={draft[name]} onChange={(e) => set({ [name]: e.target.value })} disabled={locked(lockedBy)} placeholder={placeholder} spellCheck={false} aria-invalid={!!problemOf(name)} data-testid={`keystore-${name}`} />
      {problemOf(name) && (
        <span className="field-problem" role="alert">
          {problemOf(name)}
        </span>
      )}
    </label>
  );

  return (
    <fieldset className="card" data-testid="settings-key-store">
      <legend>Key store</legend>
      <p>
        Where your vendor keeps its customer-managed key: in Azure Key Vault, or in AWS KMS (see {AWS_SETTINGS_HELP.href}). The vendor tells you which.
        {locked('provider') && <span className="managed-badge">Set by your organisation</span>}
      </p>
      <div role="radiogroup" aria-label="Key store">
        {(['azure-key-vault', 'aws-kms'] as const).map((p) => (
          <label key={p} className="inline">
            <input type="radio" name="key-store-provider" checked={draft.provider === p} disabled={locked('provider')} onChange={() => set({ provider: p })} /> {PROVIDER_LABELS[p]}
          </label>
        ))}
      </div>
      {draft.provider === 'aws-kms' && (
        <>
          {view.rehearsal && (
            <Notice tone="info" testId="keystore-rehearsal">
              Rehearsal: Key Holder signs in to the rehearsal cloud’s IAM Identity Center ({view.rehearsal.startUrl}) and uses its KMS in {view.rehearsal.region}; what you enter below is used in live mode.
            </Notice>
          )}
          {field('region', 'AWS Region of your key', 'eu-west-2', 'region')}
          <fieldset>
            <legend>Sign in to AWS with</legend>
            <label className="inline">
              <input type="radio" name="aws-sign-in" checked={draft.method === 'identity-center'} disabled={locked('signIn')} onChange={() => set({ method: 'identity-center' })} /> IAM Identity Center (recommended)
            </label>
            <label className="inline">
              <input type="radio" name="aws-sign-in" checked={draft.method === 'profile'} disabled={locked('signIn')} onChange={() => set({ method: 'profile' })} /> a named profile of the AWS CLI
            </label>
          </fieldset>
          {draft.method === 'identity-center' ? (
            <>
              {field('startUrl', 'AWS access portal URL (start URL)', 'https://d-1234567890.awsapps.com/start', 'signIn')}
              {field('ssoRegion', 'IAM Identity Center Region', 'eu-west-2', 'signIn')}
            </>
          ) : (
            field('profile', 'AWS profile (in ~/.aws/config)', 'holder1', 'signIn')
          )}
          {field('kmsEndpoint', 'KMS endpoint override (optional, as AWS_ENDPOINT_URL_KMS)', 'empty: AWS’s own endpoint for the Region', 'kmsEndpoint')}
        </>
      )}
      {view.problems.length > 0 && draft.provider === view.provider && (
        <Notice tone="warning">{view.problems.map((p) => p.message).join(' ')}</Notice>
      )}
      <div className="actions">
        {!confirm ? (
          <button type="button" className="secondary" disabled={!checked.success} onClick={() => setConfirm(true)} data-testid="keystore-save">
            Save key store…
          </button>
        ) : (
          <div className="notice notice-warning" role="alert">
            <p>Use {PROVIDER_LABELS[draft.provider]} as this workstation’s key store{draft.provider === 'aws-kms' ? ` (Region ${draft.region})` : ''}? The import and the key store’s lifecycle then act on it.</p>
            <div className="actions">
              <button type="button" className="primary" onClick={() => void save()} data-testid="keystore-confirm">
                Confirm and save
              </button>
              <button type="button" className="link" onClick={() => setConfirm(false)}>
                Cancel
              </button>
            </div>
          </div>
        )}
      </div>
      {saved && <Notice tone="success" testId="keystore-saved">Saved: the key store is {PROVIDER_LABELS[draft.provider]}.</Notice>}
      {error && <Notice tone="error" testId="keystore-error">{error}</Notice>}
    </fieldset>
  );
}
