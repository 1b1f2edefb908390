/**
 * The printable worksheet: both holders on one page, print CSS hides the app
 * around it. Client secrets stay redacted unless the holder ticks "include",
 * which fetches them through the explicit reveal channel.
 */
import { useRef, useState } from 'react';
import { call } from '../../app/api';
import { HOLDERS, LABEL, LINE_OF, type FieldId, type HolderNo, type WorksheetIssue } from '../../../shared/worksheet/model';
import type { WorksheetView } from '../../../shared/ipc/channels/worksheet';
import { Notice } from '../../ui/Notice';

const ORDER: FieldId[] = ['vaultHost', 'keyIdentifier', 'clientId', 'clientSecret', 'tenantId', 'keyName', 'secretCreatedOn', 'secretExpiresOn'];

export function WorksheetPrint({ view, issues, onClose }: { view: WorksheetView; issues: WorksheetIssue[]; onClose(): void }) {
  const [included, setIncluded] = useState(false);
  const [secrets, setSecrets] = useState<Partial<Record<HolderNo, string>> | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A reveal that answers after the box was unticked must not put the secrets on the page.
  const request = useRef(0);

  async function include(on: boolean) {
    const mine = ++request.current;
    setError(null);
    setIncluded(on);
    setSecrets(null);
    if (!on) return;
    try {
      const got: Partial<Record<HolderNo, string>> = {};
      for (const h of HOLDERS) if (view[h === 1 ? 'holder1' : 'holder2'].secret === 'stored') got[h] = (await call('worksheet:revealSecret', { holder: h })).secret;
      if (mine === request.current) setSecrets(got);
    } catch (e) {
      setError((e as Error).message);
      setIncluded(false);
    }
  }

  const value = (h: HolderNo, f: FieldId) => {
    const hv = view[h === 1 ? 'holder1' : 'holder2'];
    if (f === 'clientSecret') {
      if (secrets?.[h] !== undefined) return <code>{secrets[h]}</code>;
      return <em className="redacted">{hv.secret === 'none' ? 'not recorded' : 'Not printed (kept secret)'}</em>;
    }
    const v = (hv as Record<string, string>)[f];
    return v ? <code>{v}</code> : <em className="redacted">not recorded</em>;
  };

  return (
    <section aria-labelledby="print-title" className="printable">
      <div className="no-print print-controls">
        <button type="button" className="secondary" onClick={onClose}>
          Back to the worksheet
        </button>
        <button type="button" className="primary" onClick={() => window.print()}>
          Print…
        </button>
        <label className="checkbox">
          <input type="checkbox" checked={included} onChange={(e) => void include(e.target.checked)} />
          Include client secrets
        </label>
        {error && <Notice tone="error">{error}</Notice>}
      </div>
      <h1 id="print-title">Azure Information Worksheet</h1>
      {view.mode === 'rehearsal' && <p className="print-rehearsal">REHEARSAL: these values belong to the rehearsal cloud, not to Azure.</p>}
      {HOLDERS.map((h) => (
        <section key={h} className="print-holder" aria-labelledby={`print-h${h}`}>
          <h2 id={`print-h${h}`}>Key holder {h}</h2>
          <table>
            <tbody>
              {ORDER.map((f) => (
                <tr key={f}>
                  <th scope="row">
                    {LINE_OF[f] ? `Line ${LINE_OF[f]} · ` : ''}
                    {LABEL[f]}
                  </th>
                  <td>
                    {value(h, f)}
                    {issues
                      .filter((i) => i.holder === h && i.field === f && i.severity === 'error')
                      .map((i, n) => (
                        <div key={n} className="print-problem">
                          Problem: {i.message}
                        </div>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </section>
  );
}
