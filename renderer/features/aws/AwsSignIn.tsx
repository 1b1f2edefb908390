/**
 * Signing in to AWS with IAM Identity Center (as `aws sso login` does): the
 * app shows a code and opens AWS's approval page in the browser; the holder
 * checks the codes match and allows access there; then chooses the account
 * and role they manage the key with. With a named profile (Settings) there
 * is nothing to do here. The credentials never reach this page.
 */
import { useEffect, useState } from 'react';
import { formatMoment } from '../../../shared/format/dates';
import { call } from '../../app/api';
import { Notice } from '../../ui/Notice';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { asError, type ShownError } from './errors';

type Status = ResponseOf<'aws:status'>;
type Prompt = ResponseOf<'aws:startSignIn'>;

function Countdown({ until }: { until: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = Math.max(0, Math.floor((Date.parse(until) - now) / 1000));
  return <span className="countdown">{left === 0 ? 'expired: start again' : `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} left`}</span>;
}

export function AwsSignIn({ status, onChanged }: { status: Status; onChanged(s: Status): void }) {
  const [prompt, setPrompt] = useState<Prompt | null>(null);
  const [error, setError] = useState<ShownError | null>(null);

  const start = async () => {
    setError(null);
    try {
      const p = await call('aws:startSignIn', {});
      setPrompt(p);
      const s = await call('aws:waitSignIn', { flowId: p.flowId });
      setPrompt(null);
      onChanged(s);
    } catch (e) {
      setPrompt(null);
      setError(asError(e));
      onChanged(await call('aws:status', {}).catch(() => status));
    }
  };
  const useRole = async (value: string) => {
    const [accountId, roleName] = value.split('|');
    setError(null);
    try {
      onChanged(await call('aws:useRole', { accountId: accountId!, roleName: roleName! }));
    } catch (e) {
      setError(asError(e));
    }
  };

  if (!status.configured) {
    return (
      <Notice tone="warning" testId="aws-not-configured">
        {status.problem}
      </Notice>
    );
  }
  if (status.method === 'profile') {
    return (
      <section className="card" aria-labelledby="aws-signin-title">
        <h2 id="aws-signin-title">1. AWS sign-in</h2>
        <p>Key Holder signs in with the named profile chosen in Settings (its credentials are read when needed and kept in memory only).</p>
      </section>
    );
  }
  const signedIn = status.state === 'signed-in';
  return (
    <section className="card" aria-labelledby="aws-signin-title" data-testid="aws-signin">
      <h2 id="aws-signin-title">1. Sign in to AWS (IAM Identity Center)</h2>
      {signedIn ? (
        <p data-testid="aws-signed-in">
          Signed in to your AWS access portal{status.role ? (
            <>
              {' '}
              as <strong>{status.role.roleName}</strong> in account <code>{status.role.accountId}</code> ({status.role.accountName})
            </>
          ) : null}
          . Region of your key: <code>{status.region}</code>. The sign-in lasts until {status.sessionExpiresAt ? formatMoment(status.sessionExpiresAt, { zone: true }) : 'you sign out'} and renews itself while you work; it is kept sealed on this computer, so closing Key Holder does not sign you out.
        </p>
      ) : (
        <p>Sign in with the AWS access portal your administrator gave you. Your browser opens AWS’s approval page; allow access there only if it shows the same code as below.</p>
      )}
      {!signedIn && status.notice && (
        <Notice tone="warning" testId="aws-signin-notice">
          {status.notice}
        </Notice>
      )}
      {signedIn && status.roles && status.roles.length > 0 && (
        <label>
          Account and role you manage the key with
          <select value={status.role ? `${status.role.accountId}|${status.role.roleName}` : ''} onChange={(e) => void useRole(e.target.value)} data-testid="aws-role">
            {!status.role && <option value="">Choose…</option>}
            {status.roles.map((r) => (
              <option key={`${r.accountId}|${r.roleName}`} value={`${r.accountId}|${r.roleName}`}>
                {r.accountName} ({r.accountId}): {r.roleName}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="actions">
        <button type="button" className={signedIn ? 'secondary' : 'primary'} onClick={() => void start()} disabled={!!prompt}>
          {signedIn ? 'Sign in again' : 'Sign in to AWS'}
        </button>
        {signedIn && (
          <button type="button" className="link" onClick={() => void call('aws:signOut', {}).then(onChanged, (e: unknown) => setError(asError(e)))}>
            Sign out
          </button>
        )}
      </div>
      {prompt && (
        <div className="device-code" data-testid="aws-device-code">
          <p>
            Your browser opened <a href={prompt.verificationUriComplete} target="_blank" rel="noreferrer">AWS’s approval page</a>. Check that it shows this code, then choose Allow:
          </p>
          <p className="code">
            <code data-testid="aws-user-code">{prompt.userCode}</code> <Countdown until={prompt.expiresAt} />
          </p>
          <p className="hint">
            If no page opened, open <code>{prompt.verificationUri}</code> on any device and enter the code.
          </p>
          <button type="button" className="secondary small" onClick={() => void call('aws:cancelSignIn', {})}>
            Cancel
          </button>
        </div>
      )}
      {error && (
        <Notice tone="error" testId="aws-signin-error">
          {error.message}
        </Notice>
      )}
    </section>
  );
}
