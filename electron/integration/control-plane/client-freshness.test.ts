/**
 * The app's control-plane client (issue 16): every envelope it seals carries
 * a growing sequence, so the reference control plane refuses a captured
 * earlier submission replayed after a correction; and answers are bounded in
 * size and in total time (a trickling or endless server cannot hold the app).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { ControlPlaneService } from '../../services/control-plane/service';
import { httpsTransport, type Transport } from '../../services/control-plane/http';
import { fixedClock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import { memorySecretBox } from '../../services/platform/memory-secret-box';
import { selfSignedLocalhost } from '../../rehearsal/control-plane/testing/tls';
import { setupEnvironment, startHarness, type Harness } from '../../rehearsal/control-plane/testing/harness';

let h: Harness;
let agent: https.Agent;
beforeAll(async () => {
  h = await startHarness();
  agent = new https.Agent({ ca: h.ca });
});
afterAll(async () => {
  agent?.destroy();
  await h?.close();
});

describe('the app’s envelopes are fresh', () => {
  it('a captured submission replayed after the holder’s correction is refused; the correction stands', async () => {
    const { holders, discovery } = await setupEnvironment(h, 'app-replay');
    const [one, two] = holders;
    const sent: Uint8Array[] = [];
    const base = httpsTransport(agent);
    const capture: Transport = async (method, url, o) => {
      if (o.body && url.endsWith('/v1/key-stores')) sent.push(o.body);
      return base(method, url, o);
    };
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cp-fresh-'));
    const boxKey = randomBytes(32);
    const svc = new ControlPlaneService({ dataDir, secretBox: memorySecretBox({ key: boxKey }), clock: fixedClock(new Date('2026-12-06T10:00:00Z')), log: silentLogger, mode: 'rehearsal', transport: capture });
    await svc.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: discovery.sealing.fingerprint, enrolmentToken: one.token });
    const values = { ...one.record, secretExpiresOn: '2027-11-01' };
    await svc.submit({ ...values, tenantId: '00000000-0000-4000-8000-00000000dead' });
    await svc.submit(values);
    const [first, corrected] = sent.map((b) => JSON.parse(Buffer.from(b).toString('utf8')) as { sequence: number });
    expect(corrected!.sequence).toBeGreaterThan(first!.sequence);
    // Someone on the path replays the first envelope, byte for byte, with the holder's token.
    const replay = await h.api('POST', '/v1/key-stores', Buffer.from(sent[0]!), one.token);
    expect(replay.status).toBe(409);
    expect(replay.json.error.code).toBe('envelope_replayed');
    // The pair validates with holder 2's record: what waited was the correction.
    const svc2 = new ControlPlaneService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cp-fresh-')), secretBox: memorySecretBox({ key: randomBytes(32) }), clock: fixedClock(new Date('2026-12-06T10:00:00Z')), log: silentLogger, mode: 'rehearsal', transport: base });
    await svc2.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: discovery.sealing.fingerprint, enrolmentToken: two.token });
    const { answer } = await svc2.submit({ ...two.record, secretExpiresOn: '2027-11-01' });
    expect(answer.validation.state).toBe('validated');
    // A restarted app (state reloaded from disk, clock set back an hour) keeps counting upwards.
    const again = new ControlPlaneService({ dataDir, secretBox: memorySecretBox({ key: boxKey }), clock: fixedClock(new Date('2026-12-06T09:00:00Z')), log: silentLogger, mode: 'rehearsal', transport: capture });
    await again.submit(values).catch(() => undefined);
    expect((JSON.parse(Buffer.from(sent[2]!).toString('utf8')) as { sequence: number }).sequence).toBeGreaterThan(corrected!.sequence);
  });
});

describe('control-plane answers are bounded', () => {
  const certs = selfSignedLocalhost(fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cp-bound-')));
  const servers: https.Server[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });
  async function serve(handler: (res: import('node:http').ServerResponse) => void): Promise<string> {
    const s = https.createServer({ cert: certs.cert, key: certs.key }, (_req, res) => handler(res));
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `https://localhost:${(s.address() as AddressInfo).port}/`;
  }
  const trusted = () => new https.Agent({ ca: certs.ca, lookup: (_h, o, cb) => (o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) });

  it('an endless answer is cut off at the size cap', async () => {
    const url = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      pump();
      res.on('error', () => undefined);
    });
    await expect(httpsTransport(trusted(), 30_000, 256 * 1024)('GET', url, {})).rejects.toMatchObject({ code: 'control_plane.answer_too_large' });
  });

  it('a server that trickles bytes forever hits the total deadline, not only the idle timeout', async () => {
    const url = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const t = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(t));
    });
    await expect(httpsTransport(trusted(), 600)('GET', url, {})).rejects.toMatchObject({ code: 'control_plane.timeout' });
  });
});
