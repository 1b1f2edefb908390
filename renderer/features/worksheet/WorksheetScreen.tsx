/**
 * The Azure Information Worksheet: one form per key holder (tabs), lines 1-4
 * numbered as in the vendor's guide, inline problems next to each field. The
 * rules are the same pure functions the Node side runs on save; line 4 across
 * holders is checked there, with the stored secrets the page does not hold.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { call } from '../../app/api';
import { HINT, HOLDERS, LABEL, LINE_OF, type FieldId, type HolderFields, type HolderNo, type WorksheetIssue } from '../../../shared/worksheet/model';
import { validateWorksheet } from '../../../shared/worksheet/rules';
import { formatMoment } from '../../../shared/format/dates';
import type { WorksheetView } from '../../../shared/ipc/channels/worksheet';
import { SecretField, type SecretEdit } from '../../ui/SecretField';
import { Notice } from '../../ui/Notice';
import { WorksheetPrint } from './WorksheetPrint';
import { useUnsavedGuard } from '../../app/unsaved';
import { useRehearsalVendor } from '../control-plane/useRehearsalVendor';
import { CopyValue } from '../../ui/CopyValue';

type Form = Record<HolderNo, HolderFields>;
const hk = (h: HolderNo) => (h === 1 ? 'holder1' : 'holder2') as 'holder1' | 'holder2';

const LINE_FIELDS: FieldId[] = ['vaultHost', 'keyIdentifier', 'clientId', 'clientSecret'];
/** Notices of a client secret the Node side refused to store: said once, in the save result. */
const REFUSED_SECRET = new Set(['worksheet.secret_not_saved', 'worksheet.secret_whitespace']);
const DETAIL_FIELDS: FieldId[] = ['tenantId', 'keyName', 'secretCreatedOn', 'secretExpiresOn'];

function fieldsOf(v: WorksheetView, h: HolderNo): HolderFields {
  const { secret: _s, ...fields } = v[hk(h)];
  return fields;
}

export function WorksheetScreen() {
  const [view, setView] = useState<WorksheetView | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [secretEdit, setSecretEdit] = useState<Record<HolderNo, SecretEdit>>({ 1: { action: 'keep' }, 2: { action: 'keep' } });
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [showAll, setShowAll] = useState(false);
  const [tab, setTab] = useState<HolderNo>(1);
  const [printing, setPrinting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ tone: 'success' | 'error' | 'warning' | 'info'; text: string } | null>(null);
  const [includeSecretInPdf, setIncludeSecretInPdf] = useState(false);
  const vendor = useRehearsalVendor();

  const adopt = useCallback((v: WorksheetView) => {
    setView(v);
    setForm({ 1: fieldsOf(v, 1), 2: fieldsOf(v, 2) });
    setSecretEdit({ 1: { action: 'keep' }, 2: { action: 'keep' } });
    // Values that were saved before are checked straight away; new typing is checked when the field is left.
    setShowAll(Boolean(v.updatedAt));
  }, []);

  useEffect(() => {
    call('worksheet:get', {}).then(adopt, (e: Error) => setResult({ tone: 'error', text: e.message }));
  }, [adopt]);

  const issues = useMemo<WorksheetIssue[]>(() => {
    if (!form || !view) return [];
    const full = (h: HolderNo) => {
      const e = secretEdit[h];
      return { ...form[h], clientSecret: e.action === 'set' ? e.value : undefined };
    };
    const live = validateWorksheet(full(1), full(2), { mode: view.mode, now: new Date(), ...(view.customVaultSuffixes ? { customVaultSuffixes: view.customVaultSuffixes } : {}) });
    // The Node side compared the stored secrets (line 4); keep its verdict while a stored secret is untouched.
    const stored = view.issues.filter((i) => i.field === 'clientSecret' && secretEdit[i.holder].action === 'keep' && secretEdit[i.holder === 1 ? 2 : 1].action === 'keep');
    return [...live, ...stored];
  }, [form, view, secretEdit]);

  const dirty =
    !!form &&
    !!view &&
    (HOLDERS.some((h) => JSON.stringify(form[h]) !== JSON.stringify(fieldsOf(view, h))) || HOLDERS.some((h) => secretEdit[h].action !== 'keep'));
  useUnsavedGuard(dirty, 'your changes to the worksheet');

  if (!form || !view) {
    return (
      <section aria-labelledby="ws-title">
        <h1 id="ws-title">Azure Information Worksheet</h1>
        {result ? <Notice tone="error">{result.text}</Notice> : <p>Loading…</p>}
      </section>
    );
  }

  const visible = (h: HolderNo, f: FieldId) => showAll || touched.has(`${h}.${f}`);
  const issuesFor = (h: HolderNo, f: FieldId) => issues.filter((i) => i.holder === h && i.field === f && visible(h, f));
  const errorCount = (h: HolderNo) => issues.filter((i) => i.holder === h && i.severity === 'error' && visible(h, i.field)).length;
  const touch = (h: HolderNo, f: FieldId) => setTouched((t) => new Set(t).add(`${h}.${f}`));

  async function save() {
    if (!form) return;
    setBusy(true);
    setResult(null);
    try {
      const v = await call('worksheet:save', {
        holder1: { ...form[1], secret: secretEdit[1] },
        holder2: { ...form[2], secret: secretEdit[2] },
      });
      adopt(v);
      setShowAll(true);
      // A secret refused for surrounding spaces stays in its field, marked, so the holder removes the space and saves again.
      const retype = v.notices.filter((n) => n.code === 'worksheet.secret_whitespace' && n.holder !== undefined);
      if (retype.length) {
        setSecretEdit((s) => ({ ...s, ...Object.fromEntries(retype.map((n) => [n.holder, secretEdit[n.holder as HolderNo]])) }));
        setTab(retype[0]!.holder as HolderNo);
      }
      const refused = v.notices.filter((n) => REFUSED_SECRET.has(n.code));
      const errors = v.issues.filter((i) => i.severity === 'error').length;
      if (refused.length) setResult({ tone: 'warning', text: refused.map((n) => n.message).join(' ') });
      else if (errors) setResult({ tone: 'warning', text: `Saved. ${errors} problem${errors === 1 ? '' : 's'} still to fix before you hand the worksheet on.` });
      else if (!v.complete) setResult({ tone: 'info', text: 'Saved. Some fields are still empty.' });
      else setResult({ tone: 'success', text: 'Saved. Both worksheets are complete and pass every check.' });
    } catch (e) {
      setResult({ tone: 'error', text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  }

  async function exportAs(kind: 'pdf' | 'json') {
    setBusy(true);
    setResult(null);
    try {
      const r = kind === 'pdf' ? await call('worksheet:exportPdf', { includeSecret: includeSecretInPdf }) : await call('worksheet:exportJson', {});
      if (r.saved) setResult({ tone: 'success', text: `Exported to ${r.path}` });
      else setResult({ tone: 'info', text: 'Export cancelled.' });
    } catch (e) {
      setResult({ tone: 'error', text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  }

  if (printing) {
    return <WorksheetPrint view={view} issues={view.issues} onClose={() => setPrinting(false)} />;
  }

  const fieldId = (h: HolderNo, f: FieldId) => `ws-h${h}-${f}`;
  const label = (f: FieldId) => (
    <>
      {LINE_OF[f] ? <span className="line-no">Line {LINE_OF[f]}</span> : null}
      <span className="label-text">{LABEL[f]}</span>
    </>
  );
  const problems = (h: HolderNo, f: FieldId) => {
    const list = issuesFor(h, f);
    if (!list.length) return null;
    return (
      <ul className="field-issues" id={`${fieldId(h, f)}-issues`}>
        {list.map((i, n) => (
          <li key={n} className={`issue issue-${i.severity}`} data-code={i.code}>
            <span className="issue-kind">{i.severity === 'error' ? 'Problem' : i.severity === 'warning' ? 'Warning' : 'Note'}:</span> {i.message}
          </li>
        ))}
      </ul>
    );
  };

  const renderField = (h: HolderNo, f: FieldId) => {
    const id = fieldId(h, f);
    const list = issuesFor(h, f);
    const invalid = list.some((i) => i.severity === 'error');
    const describedBy = list.length ? `${id}-issues` : undefined;
    if (f === 'clientSecret') {
      return (
        <SecretField
          key={f}
          id={id}
          label={label(f)}
          hint={HINT[f]}
          stored={view[hk(h)].secret}
          edit={secretEdit[h]}
          onEdit={(e) => setSecretEdit((s) => ({ ...s, [h]: e }))}
          reveal={async () => (await call('worksheet:revealSecret', { holder: h })).secret}
          error={problems(h, f)}
          describedBy={describedBy}
          invalid={invalid}
          onBlur={() => touch(h, f)}
        />
      );
    }
    const isDate = f === 'secretCreatedOn' || f === 'secretExpiresOn';
    return (
      <div className="field" key={f}>
        <label htmlFor={id}>{label(f)}</label>
        <div className="hint" id={`${id}-hint`}>
          {HINT[f]}
        </div>
        <input
          id={id}
          type={isDate ? 'date' : 'text'}
          className={f === 'keyIdentifier' ? 'wide mono' : 'mono'}
          autoComplete="off"
          spellCheck={false}
          value={(form[h] as Record<string, string>)[f] ?? ''}
          aria-invalid={invalid || undefined}
          aria-describedby={[`${id}-hint`, describedBy].filter(Boolean).join(' ')}
          onChange={(e) => setForm((fm) => (fm ? { ...fm, [h]: { ...fm[h], [f]: e.target.value } } : fm))}
          onBlur={() => touch(h, f)}
        />
        {problems(h, f)}
      </div>
    );
  };

  return (
    <section aria-labelledby="ws-title" className="worksheet">
      <h1 id="ws-title">Azure Information Worksheet</h1>
      <p className="lede">
        Record each key holder’s key store. The vendor’s administrator needs lines 1 to 4 of both holders; every line must differ between the two
        holders.
      </p>

      {view.notices
        .filter((n) => !REFUSED_SECRET.has(n.code))
        .map((n, i) => (
          <Notice key={i} tone={n.code.startsWith('storage.migrated') ? 'info' : 'warning'} testId="ws-notice">
            {n.message}
          </Notice>
        ))}
      {!view.secretStorage.available && (
        <Notice tone="warning" testId="ws-secret-storage">
          Client secrets cannot be saved on this computer. {view.secretStorage.reason}
        </Notice>
      )}

      {vendor && (
        <div className="card card-rehearsal" data-testid="rehearsal-tenant">
          <h2>Key holder {vendor.holder}’s rehearsal tenant</h2>
          <p className="hint">
            In a real ceremony you read these in the Azure portal (the vault’s Overview, the app registration’s Overview and Certificates &amp; secrets).
            Here the rehearsal cloud made them for you: copy each into key holder {vendor.holder}’s column.
          </p>
          <dl className="copy-list">
            {vendor.worksheet.vaultHost && <CopyValue label="Line 1: key vault DNS name" value={vendor.worksheet.vaultHost} testId="rehearsal-vault" />}
            {vendor.worksheet.clientId && <CopyValue label="Line 3: application (client) ID" value={vendor.worksheet.clientId} testId="rehearsal-client-id" />}
            {vendor.worksheet.clientSecret && <CopyValue label="Line 4: client secret" value={vendor.worksheet.clientSecret} secret canShow={false} testId="rehearsal-client-secret" />}
            <CopyValue label="Directory (tenant) ID" value={vendor.worksheet.tenantId} testId="rehearsal-tenant-id" />
          </dl>
        </div>
      )}

      <div role="tablist" aria-label="Key holders" className="tabs">
        {HOLDERS.map((h) => (
          <button
            key={h}
            role="tab"
            type="button"
            id={`ws-tab-${h}`}
            aria-selected={tab === h}
            aria-controls={`ws-panel-${h}`}
            tabIndex={tab === h ? 0 : -1}
            onClick={() => setTab(h)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
                const next = h === 1 ? 2 : 1;
                setTab(next);
                document.getElementById(`ws-tab-${next}`)?.focus();
              }
            }}
          >
            Key holder {h}
            {errorCount(h) > 0 && (
              <span className="badge" aria-label={`${errorCount(h)} problems`}>
                {errorCount(h)}
              </span>
            )}
          </button>
        ))}
      </div>

      {HOLDERS.map((h) => (
        <div key={h} role="tabpanel" id={`ws-panel-${h}`} aria-labelledby={`ws-tab-${h}`} hidden={tab !== h} className="tabpanel">
          <fieldset>
            <legend>Worksheet lines</legend>
            {LINE_FIELDS.map((f) => renderField(h, f))}
          </fieldset>
          <fieldset>
            <legend>Supporting details</legend>
            <div className="details-grid">{DETAIL_FIELDS.map((f) => renderField(h, f))}</div>
          </fieldset>
        </div>
      ))}

      <div className="actions">
        <button type="button" className="primary" onClick={save} disabled={busy}>
          Save worksheet
        </button>
        <span className="save-state" aria-live="polite">
          {dirty ? 'Unsaved changes' : view.updatedAt ? `Saved ${formatMoment(view.updatedAt)}` : 'Nothing saved yet'}
        </span>
      </div>
      {result && (
        <Notice tone={result.tone} testId="ws-result">
          {result.text}
        </Notice>
      )}

      <fieldset className="exports">
        <legend>Print and export</legend>
        {dirty && <p className="hint">Save first: printing and exports use the saved worksheet.</p>}
        <div className="export-row">
          <button type="button" className="secondary" disabled={busy || dirty} onClick={() => setPrinting(true)}>
            Printable view
          </button>
          <button type="button" className="secondary" disabled={busy || dirty} onClick={() => exportAs('json')}>
            Export JSON (without secrets)
          </button>
          <button type="button" className="secondary" disabled={busy || dirty} onClick={() => exportAs('pdf')}>
            Export PDF
          </button>
          <label className="checkbox">
            <input type="checkbox" checked={includeSecretInPdf} onChange={(e) => setIncludeSecretInPdf(e.target.checked)} />
            Include client secrets in the PDF
          </label>
        </div>
        {includeSecretInPdf && (
          <p className="warning" role="note">
            The PDF will contain both client secrets in readable form. Hand it over in person and destroy it after use.
          </p>
        )}
      </fieldset>
    </section>
  );
}
