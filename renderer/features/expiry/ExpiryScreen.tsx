import { useCallback, useEffect, useState } from 'react';
import { call, onEvent } from '../../app/api';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { describeDaysLeft, type Urgency } from '../../../shared/expiry/dashboard';
import { formatDay, formatMoment } from '../../../shared/format/dates';
import { Notice } from '../../ui/Notice';
import { useApp, type KeyStoreChoice } from '../../app/store';
import { datesSourceText, expiryIntro, nothingTrackedText } from '../../../shared/expiry/screen-words';
import './expiry.css';

type Dashboard = ResponseOf<'expiry:dashboard'>;
type Row = Dashboard['rows'][number];

const urgencyWords: Record<Urgency, string> = {
  expired: 'Expired',
  critical: 'Act now',
  warning: 'Soon',
  notice: 'Plan',
  ok: 'OK',
};

const sourceWords: Record<Row['item']['source'], string> = {
  graph: 'read from Microsoft Graph',
  worksheet: 'as written on the worksheet',
  vault: 'read from the vault',
  kms: 'as imported into AWS KMS',
};

/** Expiries and snoozes on the holder's own clock (the zone the dashboard counts days in), with the zone named. */
function formatInstant(iso: string, timeZone: string): string {
  return formatMoment(iso, { timeZone, zone: true });
}

function ExpiryRow({ row, timeZone, onSnooze, busy }: { row: Row; timeZone: string; onSnooze(id: string, period: 'day' | 'week'): void; busy: boolean }) {
  const headingId = `expiry-${row.id.replace(/[^A-Za-z0-9]/g, '-')}`;
  return (
    <li className="expiry-item" data-urgency={row.urgency} data-testid="expiry-row" aria-labelledby={headingId}>
      <div className="expiry-head">
        <span className="expiry-badge" data-urgency={row.urgency}>
          {urgencyWords[row.urgency]}
        </span>
        <span className="expiry-days" data-testid="expiry-days">
          {describeDaysLeft(row.daysLeft, row.expired)}
        </span>
        <h2 id={headingId} className="expiry-label" style={{ fontSize: '1rem', margin: 0 }}>
          {row.item.label}
        </h2>
      </div>
      <div className="expiry-meta">
        {row.item.ceremony} · {row.item.holder} · {row.expired ? 'expired' : 'expires'} {formatDay(row.expiresOn)} ({formatInstant(row.item.expiresAt, timeZone)}), {sourceWords[row.item.source]}
      </div>
      <dl>
        <dt>If it lapses</dt>
        <dd>{row.breaks}</dd>
        <dt>Do this</dt>
        <dd data-testid="expiry-action">{row.action}</dd>
      </dl>
      <div className="expiry-actions">
        {row.snoozedUntil ? <span className="warning">Reminders snoozed until {formatInstant(row.snoozedUntil, timeZone)}.</span> : null}
        {!row.expired && row.threshold !== null ? (
          <>
            <button type="button" className="secondary" disabled={busy} onClick={() => onSnooze(row.id, 'day')}>
              Snooze a day
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => onSnooze(row.id, 'week')}>
              Snooze a week
            </button>
          </>
        ) : null}
      </div>
    </li>
  );
}

/** Which dates the dashboard shows, said once above the list (no client-secret dates on AWS, which has none). */
function DatesSource({ board, keyStore }: { board: Dashboard; keyStore: KeyStoreChoice }) {
  const said = datesSourceText(
    keyStore,
    board.dates,
    board.rows.map((r) => r.item.kind),
  );
  if (!said) return null;
  return (
    <Notice tone={said.tone} testId="expiry-source">
      <span data-source={board.dates.from}>{said.text}</span>
    </Notice>
  );
}

export function ExpiryScreen() {
  const keyStore = useApp((a) => a.keyStore);
  const [board, setBoard] = useState<Dashboard | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback((readGraph = false) => {
    call('expiry:dashboard', { readGraph }).then(
      (b) => {
        setBoard(b);
        setError(null);
      },
      (e: Error) => setError(e.message),
    );
  }, []);

  useEffect(() => {
    // Opening the screen reads Graph when signed in; reloads after a change (the read itself announces one) do not.
    load(true);
    return onEvent('app:changed', (p) => {
      if (p.topic === 'expiry') load();
    });
  }, [load]);

  const snooze = async (itemId: string, period: 'day' | 'week') => {
    setBusy(true);
    try {
      const { until } = await call('expiry:snooze', { itemId, period });
      setNote(`Snoozed until ${formatInstant(until, board?.timeZone ?? 'UTC')}. Key Holder reminds you again then, and at the expiry at the latest.`);
      load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const exportCalendar = async () => {
    setBusy(true);
    try {
      const { ics, events, fileName } = await call('expiry:calendar', {});
      const url = URL.createObjectURL(new Blob([ics], { type: 'text/calendar' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setNote(`Calendar file with ${events} event${events === 1 ? '' : 's'} saved. Importing a newer one later updates these events instead of adding copies.`);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="expiry-title">
      <h1 id="expiry-title">Expiry dates</h1>
      <p>
        {expiryIntro(keyStore)} Days are counted on your own calendar{board ? ` (${board.timeZone})` : ''}. Key Holder reminds you at 90, 60, 30, 14, 7, 3 and 1 days, and when something has expired.
      </p>
      <div className="expiry-summary">
        {board ? (
          <span>
            Worst state:{' '}
            {/* With the AWS record damaged, "OK" would hide the one expiry that cannot be listed. */}
            <span className="expiry-badge" data-urgency={board.awsKeyStoreDamaged && board.worst === 'ok' ? 'warning' : board.worst} data-testid="expiry-worst">
              {board.awsKeyStoreDamaged && board.worst === 'ok' ? 'Not known' : urgencyWords[board.worst]}
            </span>
          </span>
        ) : null}
        <button type="button" className="primary" onClick={exportCalendar} disabled={busy || !board || board.rows.length === 0}>
          Export to calendar (.ics)
        </button>
      </div>
      {note ? (
        <p role="status" data-testid="expiry-note">
          {note}
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {board ? <DatesSource board={board} keyStore={keyStore} /> : null}
      {board?.awsKeyStoreDamaged ? (
        <Notice tone="error" testId="expiry-aws-key-store-damaged">
          The expiry of your AWS key material cannot be listed. {board.awsKeyStoreDamaged.message}
        </Notice>
      ) : null}
      {board && board.rows.length === 0 && !board.awsKeyStoreDamaged ? <p data-testid="expiry-empty">{nothingTrackedText(keyStore)}</p> : null}
      {board ? (
        <ol className="expiry-list" aria-label="Tracked expiries, most urgent first">
          {board.rows.map((r) => (
            <ExpiryRow key={r.id} row={r} timeZone={board.timeZone} onSnooze={snooze} busy={busy} />
          ))}
        </ol>
      ) : null}
    </section>
  );
}
