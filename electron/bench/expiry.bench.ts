/**
 * Expiry figures for 1,000 key stores: how long one reminder evaluation and
 * one dashboard take (what the main process does hourly and on resume), the
 * same through the file-backed service, the calendar export, and how many
 * HTTP requests a Graph refresh of all of them makes (batched by 20).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearCalendarCache } from '../../shared/expiry/calendar';
import { dashboardRows } from '../../shared/expiry/dashboard';
import type { TrackedItem } from '../../shared/expiry/model';
import { dueReminders, emptyRecord, markFired } from '../../shared/expiry/reminders';
import { createExpiryServiceInDataDir } from '../services/expiry/expiry-service';
import { expiryCalendar } from '../services/expiry/calendar-export';
import { refreshFromGraph } from '../services/expiry/graph-refresh';
import { expiryFiles, itemsFromWorksheet, type WorksheetExpiryEntry } from '../services/expiry/tracked-items-source';
import { fixedClock } from '../services/platform/clock';
import { silentLogger } from '../services/log/logger';
import type { Bench } from './run';
import * as msal from '@azure/msal-node';
import { startRehearsalCloud } from '../rehearsal/index';
import { agentFor, msalConfig, request } from '../rehearsal/testing/sdk';
import { GraphClient } from '../services/credential-rotation/graph-client';

const STORES = 1000;
const NOW = new Date('2026-11-27T12:00:00Z');

function entries(): WorksheetExpiryEntry[] {
  return Array.from({ length: STORES }, (_, i) => ({
    ceremony: `ceremony-${Math.floor(i / 2)}`,
    holder: `holder-${(i % 2) + 1}`,
    appId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    clientSecretExpiresAt: new Date(NOW.getTime() + ((i * 7919) % 800) * 86_400_000 - 30 * 86_400_000).toISOString(),
    keyIdentifier: `https://vault${i}.vault.azure.net/keys/k/${String(i).padStart(32, '0')}`,
    keyExpiresAt: new Date(NOW.getTime() + ((i * 104729) % 1000) * 86_400_000).toISOString(),
    enrolmentTokenExpiresAt: new Date(NOW.getTime() + ((i * 31) % 400) * 86_400_000).toISOString(),
  }));
}

function time<T>(fn: () => T, repeat: number): { ms: number; result: T } {
  let result = fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < repeat; i++) result = fn();
  return { ms: (performance.now() - t0) / repeat, result };
}

async function timeAsync<T>(fn: () => Promise<T>, repeat: number): Promise<{ ms: number; result: T }> {
  let result = await fn();
  const t0 = performance.now();
  for (let i = 0; i < repeat; i++) result = await fn();
  return { ms: (performance.now() - t0) / repeat, result };
}

export const benchmarks: Bench[] = [
  {
    name: 'expiry: 1,000 key stores',
    async run() {
      const ws = entries();
      const items: TrackedItem[] = itemsFromWorksheet(ws);
      const tz = 'Europe/London';
      clearCalendarCache();
      const t0 = performance.now();
      dueReminders(items, NOW, emptyRecord(), { timeZone: tz });
      const coldMs = performance.now() - t0;
      const evalPure = time(() => dueReminders(items, NOW, emptyRecord(), { timeZone: tz }), 10);
      const fired = markFired(emptyRecord(), evalPure.result);
      const evalAgain = time(() => dueReminders(items, NOW, fired, { timeZone: tz }), 10);
      const board = time(() => dashboardRows(items, NOW, tz, fired), 10);
      const ics = time(() => expiryCalendar(items, NOW), 1);
      const icsTypical = time(() => expiryCalendar(items.slice(0, 6), NOW), 5);

      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-bench-expiry-'));
      try {
        const f = expiryFiles(dir).worksheetValues;
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(f, JSON.stringify({ version: 1, entries: ws }));
        const clock = fixedClock(NOW);
        const svc = createExpiryServiceInDataDir({ dataDir: dir, clock, log: silentLogger, timeZone: () => tz });
        const first = await timeAsync(async () => {
          fs.rmSync(path.join(dir, 'expiry', 'reminders.json'), { force: true });
          return svc.evaluate('start');
        }, 3);
        const steady = await timeAsync(() => svc.evaluate('hourly'), 5);

        let batches = 0;
        let subRequests = 0;
        const refresh = await refreshFromGraph(ws, {
          batch: async (reqs) => {
            batches++;
            subRequests += reqs.length;
            return reqs.map((r) => ({ id: r.id, status: 200, body: { appId: 'x', passwordCredentials: [], keyCredentials: [] } }));
          },
        });
        return {
          'tracked items': items.length,
          'reminders due at first evaluation': evalPure.result.length,
          'evaluate (pure), cold start, ms': coldMs.toFixed(1),
          'evaluate (pure), warm, ms': evalPure.ms.toFixed(1),
          'evaluate again, nothing new (pure), ms': evalAgain.ms.toFixed(1),
          'dashboard rows (pure), ms': board.ms.toFixed(1),
          'service evaluate incl. file read + atomic write, first, ms': first.ms.toFixed(1),
          'service evaluate incl. file read, steady hourly, ms': steady.ms.toFixed(1),
          'calendar export (.ics) of all items, ms': ics.ms.toFixed(1),
          'calendar export (.ics) of 2 key stores (6 items), ms': icsTypical.ms.toFixed(1),
          'calendar export size, KiB': (ics.result.length / 1024).toFixed(0),
          'Graph refresh: HTTP requests ($batch of <= 20)': refresh.httpRequests,
          'Graph refresh: sub-requests (one per application)': subRequests,
          'Graph refresh: batches seen': batches,
        };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    // The same refresh over real HTTPS against the rehearsal Graph, which serves JSON $batch as Graph does.
    name: 'expiry: Graph refresh of 1,000 key stores against the rehearsal Graph ($batch)',
    async run() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-bench-graph-'));
      const cloud = await startRehearsalCloud({ dataDir: dir, adminEnabled: true, port: 0 });
      const agent = agentFor(cloud);
      try {
        const d = cloud.descriptor;
        const app = d.apps[0]!;
        const made = await request(agent, `${d.adminUrl}/apps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenantId: app.tenantId, count: STORES - 1 }) });
        const appIds = [app.appId, ...(JSON.parse(made.text) as { apps: { appId: string }[] }).apps.map((a) => a.appId)];
        const ws: WorksheetExpiryEntry[] = appIds.map((appId, i) => ({ ceremony: `ceremony-${Math.floor(i / 2)}`, holder: `holder-${(i % 2) + 1}`, appId, clientSecretExpiresAt: NOW.toISOString() }));
        const cca = new msal.ConfidentialClientApplication(msalConfig(cloud, agent, app.tenantId, app.appId, app.clientSecret));
        const token = (await cca.acquireTokenByClientCredential({ scopes: [d.graphScope] }))!.accessToken;
        const graph = new GraphClient({ baseUrl: d.graphUrl, agent, token: async () => token });
        const t0 = performance.now();
        const refresh = await refreshFromGraph(ws, graph);
        const ms = performance.now() - t0;
        return {
          'key stores (one application each)': ws.length,
          'HTTP requests sent to Graph': graph.requests,
          'HTTP requests counted by the refresh': refresh.httpRequests,
          'HTTP requests without batching (one GET per application)': ws.length,
          'applications read': ws.length - refresh.missing.length,
          'tracked items from Graph': refresh.items.length,
          'refresh wall time over loopback HTTPS, ms': ms.toFixed(0),
        };
      } finally {
        agent.destroy();
        await cloud.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];
