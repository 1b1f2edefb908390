/**
 * The reference control plane on its own HTTPS server, for tests. Inside
 * the rehearsal cloud, mount `createControlPlaneRouter` instead.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ReferenceControlPlane, type ControlPlaneOptions } from '../control-plane';
import { createControlPlaneRouter } from '../router';

export interface StandaloneControlPlane {
  controlPlane: ReferenceControlPlane;
  /** https://localhost:{port} (plus the prefix, if any). */
  baseUrl: string;
  port: number;
  close(): Promise<void>;
}

export async function startStandaloneControlPlane(
  opts: ControlPlaneOptions & { tls: { cert: string; key: string }; port?: number; host?: string; prefix?: string; monitor?: boolean },
): Promise<StandaloneControlPlane> {
  const controlPlane = await ReferenceControlPlane.create(opts);
  const handle = createControlPlaneRouter(controlPlane, { prefix: opts.prefix ?? '' });
  const server = https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, (req, res) => {
    handle(req, res).then(
      (handled) => {
        if (!handled) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'not_found', message: 'Not a control plane path.' } }));
        }
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  if (opts.monitor) controlPlane.startStatusMonitor();
  return {
    controlPlane,
    port,
    baseUrl: `https://localhost:${port}${opts.prefix ?? ''}`,
    close: () =>
      new Promise<void>((resolve) => {
        controlPlane.stop();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
