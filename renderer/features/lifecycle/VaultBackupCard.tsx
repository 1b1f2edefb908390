/**
 * Vault-side backup on the lifecycle screen: the key vault's own backup of the
 * key, saved where the holder chooses, as a second copy beside the escrow.
 * The card says plainly what that copy can and cannot do.
 */
import { useState } from 'react';
import { call } from '../../app/api';
import { Notice } from '../../ui/Notice';

interface Saved {
  saved: boolean;
  path?: string;
  bytes?: number;
  sha256?: string;
  keyName: string;
  vaultHost: string;
  note: string;
}

export function VaultBackupCard({ holder, disabled }: { holder: number; disabled: boolean }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Saved | null>(null);
  const [error, setError] = useState<string | null>(null);

  const backUp = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await call('lifecycle:vault-backup', {}));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card" data-testid="lc-vault-backup">
      <h2>Vault-side backup</h2>
      <p>
        Ask the vault for its own backup of key store {holder}’s key (every version) and save it where you choose. It is a second, independent copy beside
        the escrow: Azure restores it only into a vault of the same subscription and geography, and nobody can open it outside Azure. It never replaces the
        escrow.
      </p>
      <div className="actions">
        <button type="button" className="secondary" disabled={disabled || busy} onClick={() => void backUp()}>
          Save a vault backup…
        </button>
      </div>
      {error && (
        <Notice tone="error" testId="lc-backup-error">
          {error}
        </Notice>
      )}
      {result && !result.saved && (
        <Notice tone="info" testId="lc-backup-result">
          No backup was saved (you cancelled).
        </Notice>
      )}
      {result?.saved && (
        <Notice tone="success" testId="lc-backup-result">
          Saved the vault’s backup of {result.keyName} ({result.vaultHost}) to <code>{result.path}</code>: {result.bytes} bytes, readable by you only. Its
          SHA-256 (<code>{result.sha256?.slice(0, 16)}…</code>) is recorded in the lifecycle transcript. Keep the escrow as well.
        </Notice>
      )}
    </div>
  );
}
