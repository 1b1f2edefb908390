import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpsTransport } from './http';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('control plane transport', () => {
  it('never sends the enrolment token over plain HTTP, whatever the environment says', async () => {
    const seen: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.end('{}');
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const before = process.env.KEYHOLDER_ALLOW_HTTP_CONTROL_PLANE;
    process.env.KEYHOLDER_ALLOW_HTTP_CONTROL_PLANE = '1';
    try {
      await expect(httpsTransport()('GET', `http://127.0.0.1:${port}/discovery`, { headers: { authorization: 'Bearer enrolment-token' } })).rejects.toMatchObject({ code: 'control_plane.insecure_url' });
    } finally {
      if (before === undefined) delete process.env.KEYHOLDER_ALLOW_HTTP_CONTROL_PLANE;
      else process.env.KEYHOLDER_ALLOW_HTTP_CONTROL_PLANE = before;
    }
    expect(seen).toEqual([]);
  });
});
