/**
 * The test bridge: Electron's binary cannot be downloaded here, so browser
 * tests run the built renderer in a real Chromium against a Node process that
 * builds exactly what Electron main builds (createServices + createHandlers +
 * dispatch). Instead of IPC behind a sender check, calls arrive as same-origin
 * POSTs behind a random per-run token; events leave as a server-sent stream.
 *
 * Test-only: nothing under e2e/ is imported by main, preload or the renderer,
 * so it never reaches the production bundle.
 */
import http from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { createServices, type Environment, type ServiceDeps, type Services } from '../../electron/services/index';
import { createHandlers } from '../../electron/ipc/handlers/index';
import { dispatch, checkEvent, type Handlers } from '../../electron/ipc/dispatch';
import { createLogger, silentLogger, type Logger } from '../../electron/services/log/logger';
import { systemClock, type Clock } from '../../electron/services/platform/clock';
import type { SecretBox } from '../../electron/services/platform/secret-box';
import type { Channel, RequestOf, ResponseOf } from '../../shared/ipc/contract';
import type { IpcResult } from '../../shared/ipc/define';
import { headerCspFromIndexHtml } from '../../electron/main/csp';
import { fileKeySecretBox } from './secret-box';
import { headlessPdf } from './pdf';
import { bridgeClientSource, TOKEN_HEADER, TOKEN_META } from './client';
import { startEmbeddedRehearsal, type EmbeddedRehearsal } from '../../electron/composition/embedded-rehearsal';
import type { RehearsalCloud } from '../../electron/rehearsal/index';
import { workstationCloud, type WorkstationCloud } from '../../electron/composition/workstation-cloud';
import { filePolicyReader } from '../../electron/services/settings/policy-reader';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_RENDERER_DIR = path.join(REPO_ROOT, 'dist/renderer');

const BRIDGE_ENVIRONMENT: Environment = {
  mode: 'rehearsal',
  description: 'Rehearsal cloud on this computer (browser test bridge)',
};

export interface BridgeOptions {
  /** The workstation's data folder (settings, ceremony files); survives restart(). */
  dataDir: string;
  /** Built renderer to serve; defaults to dist/renderer. */
  rendererDir?: string;
  /** 0 (default) picks a free port; restart() passes the previous one. */
  port?: number;
  environment?: Environment;
  clock?: Clock;
  /** Defaults to the AES-256-GCM fake keyed from dataDir. */
  secretBox?: SecretBox;
  /** A secret box built for the data folder (used when `secretBox` is not given), e.g. an unavailable one. */
  secretBoxFor?: (dataDir: string) => SecretBox;
  log?: Logger;
  /**
   * Anything else ServiceDeps has or gains (rehearsal cloud endpoints, trust
   * anchors, a PDF renderer...). Applied last, so it overrides the defaults.
   */
  deps?: Partial<ServiceDeps>;
  /**
   * Rehearsal is the default, as in the app: a rehearsal cloud (with the
   * reference control plane) is started under `<dataDir>/rehearsal-cloud` and
   * stopped on close. Pass `{ cloud }` to share one cloud between several
   * workstations (each holder's own bridge), `holder` for holder 2's tenant,
   * or `false` for no cloud at all.
   */
  rehearsal?: false | { cloud?: RehearsalCloud; holder?: 1 | 2 };
  /**
   * Compose the workstation as Electron main does: mode and live settings
   * from `dataDir/workstation.json`, IT's policy from `policyFile`, the
   * environment from `env` (not the test process's own), and the data in
   * `dataDir/rehearsal` or `dataDir/live`. Replaces `rehearsal`.
   */
  workstation?: { policyFile?: string; env?: NodeJS.ProcessEnv };
}

export interface Bridge {
  url: string;
  port: number;
  token: string;
  dataDir: string;
  services: Services;
  /** The rehearsal cloud this workstation talks to (null when started with `rehearsal: false`). */
  rehearsal: EmbeddedRehearsal | null;
  /**
   * The native file chooser, played by the test: the next open dialog
   * "chooses" this path (null: the holder cancels). Page-side helpers set it
   * through POST /__bridge/choose-file (token-checked like calls).
   */
  chooseFile(file: string | null): void;
  /** Call a channel from the test process through the same dispatch the page uses. */
  call<C extends Channel>(name: C, request: RequestOf<C>): Promise<IpcResult<ResponseOf<C>>>;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const MAX_BODY = 2 * 1024 * 1024;

function readPackageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

function tokenMatches(given: string | string[] | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function injectBridge(indexHtml: string, token: string): string {
  const tag = `<meta name="${TOKEN_META}" content="${token}" />\n    <script src="/__bridge/client.js"></script>\n`;
  const at = indexHtml.indexOf('</head>');
  if (at < 0) throw new Error('index.html has no </head>');
  return indexHtml.slice(0, at) + '    ' + tag + '  ' + indexHtml.slice(at);
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const rendererDir = path.resolve(options.rendererDir ?? DEFAULT_RENDERER_DIR);
  const indexPath = path.join(rendererDir, 'index.html');
  if (!existsSync(indexPath)) {
    throw new Error(`The built renderer is missing (${indexPath}). Run "npm run build" first.`);
  }
  const indexHtml = readFileSync(indexPath, 'utf8');
  const csp = headerCspFromIndexHtml(indexHtml);
  const token = randomBytes(32).toString('base64url');
  const log = options.log ?? (process.env.KEYHOLDER_BRIDGE_LOG ? createLogger() : silentLogger);
  const servedIndex = injectBridge(indexHtml, token);
  const clientJs = bridgeClientSource();

  const streams = new Set<http.ServerResponse>();
  // The open dialog's answer, set by the test before the page asks; used once, then the dialog is "cancelled".
  let nextChoice: string | null = null;
  const pdf = headlessPdf();
  const ws: WorkstationCloud | null = options.workstation
    ? await workstationCloud({ baseDir: dataDir, env: options.workstation.env ?? {}, ...(options.workstation.policyFile ? { policy: filePolicyReader(options.workstation.policyFile) } : {}) })
    : null;
  const rehearsal = ws ? ws.rehearsal : options.rehearsal === false ? null : await startEmbeddedRehearsal({ dataDir, ...(options.rehearsal ?? {}) });
  const deps: ServiceDeps = {
    ...(rehearsal ? { azure: rehearsal.deps.azure, controlPlaneAgent: rehearsal.deps.controlPlaneAgent, ...(rehearsal.deps.awsIdentityCenter ? { awsIdentityCenter: rehearsal.deps.awsIdentityCenter } : {}) } : {}),
    ...(rehearsal?.deps.rehearsalVendor ? { rehearsalVendor: rehearsal.deps.rehearsalVendor } : {}),
    ...(ws ? ws.deps : {}),
    dataDir: ws ? ws.dataDir : dataDir,
    secretBox: options.secretBox ?? options.secretBoxFor?.(dataDir) ?? fileKeySecretBox(dataDir),
    clock: options.clock ?? systemClock,
    log,
    environment: options.environment ?? ws?.deps.environment ?? rehearsal?.deps.environment ?? BRIDGE_ENVIRONMENT,
    appVersion: readPackageVersion(),
    emit: (event, payload) => {
      const checked = checkEvent(event, payload, log);
      if (!checked) return;
      const line = `data: ${JSON.stringify(checked)}\n\n`;
      for (const res of streams) res.write(line);
    },
    pdf,
    chooseOpenPath: async () => {
      const c = nextChoice;
      nextChoice = null;
      return c;
    },
    ...options.deps,
  };
  const services = createServices(deps);
  const handlers: Handlers = createHandlers(services);

  let origin = '';
  let hostOk = new Set<string>();

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      log.error('bridge request failed', { error: e });
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Only our own loopback origin: a page on another origin (or a rebound DNS name) gets nothing.
    if (!hostOk.has(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('wrong host');
      return;
    }
    const url = new URL(req.url ?? '/', origin);
    const base = {
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'cross-origin-resource-policy': 'same-origin',
    };

    if (url.pathname.startsWith('/__bridge/call/') || url.pathname === '/__bridge/events' || url.pathname === '/__bridge/choose-file') {
      if (req.headers.origin !== undefined && req.headers.origin !== origin) {
        res.writeHead(403, base).end();
        return;
      }
      if (!tokenMatches(req.headers[TOKEN_HEADER], token)) {
        res.writeHead(403, { ...base, 'content-type': 'text/plain' }).end('bad or missing bridge token');
        return;
      }
      if (url.pathname === '/__bridge/events') {
        if (req.method !== 'GET') {
          res.writeHead(405, base).end();
          return;
        }
        res.writeHead(200, { ...base, 'content-type': 'text/event-stream', connection: 'keep-alive' });
        res.write(': connected\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      if (req.method !== 'POST' || !(req.headers['content-type'] ?? '').startsWith('application/json')) {
        res.writeHead(405, base).end();
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        res.writeHead(400, { ...base, 'content-type': 'text/plain' }).end('body must be JSON');
        return;
      }
      if (url.pathname === '/__bridge/choose-file') {
        const file = (body as { path?: unknown }).path;
        nextChoice = typeof file === 'string' ? file : null;
        res.writeHead(204, base).end();
        return;
      }
      const name = decodeURIComponent(url.pathname.slice('/__bridge/call/'.length));
      const result = await dispatch(handlers, name, body, log);
      res.writeHead(200, { ...base, 'content-type': 'application/json' }).end(JSON.stringify(result));
      return;
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, base).end();
      return;
    }
    if (url.pathname === '/__bridge/client.js') {
      res.writeHead(200, { ...base, 'content-type': MIME['.js']! }).end(clientJs);
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res
        .writeHead(200, { ...base, 'content-type': MIME['.html']!, 'content-security-policy': csp, 'x-frame-options': 'DENY' })
        .end(servedIndex);
      return;
    }
    const file = path.resolve(rendererDir, '.' + path.posix.normalize(decodeURIComponent(url.pathname)));
    if (!file.startsWith(rendererDir + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...base, 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const data = await readFile(file);
    res.writeHead(200, { ...base, 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' }).end(data);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  hostOk = new Set([`127.0.0.1:${port}`]);

  return {
    url: origin + '/',
    port,
    token,
    dataDir,
    services,
    rehearsal,
    chooseFile: (file) => {
      nextChoice = file;
    },
    call: (name, request) => dispatch(handlers, name, request, log) as never,
    close: async () => {
      for (const res of streams) res.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      const closable = services as Services & { close?: () => Promise<void> | void };
      await closable.close?.();
      services.controlPlane.stop();
      services.activation.wipeAll();
      await pdf.close();
      await (ws ? ws.stop() : rehearsal?.stop());
    },
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
