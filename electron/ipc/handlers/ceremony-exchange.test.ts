/**
 * The Ceremony screen's whole ceremony does not wait for the vendor. Three
 * workstations (the custodians', never connected; both holders', connected to
 * the reference control plane over HTTPS) exchange their transcripts; then
 * holder 1's network path to the control plane stops answering: its address
 * accepts the connection and never says a word. `ceremony:merged` still shows
 * this workstation's record, the file imported by hand and the control
 * plane's copy kept from the last exchange, without contacting the control
 * plane at all; `ceremony:exchange` gives up after its short timeout and says
 * when the copies shown were fetched. Calls go through `dispatch`, the path
 * main and the test bridge use.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import https from 'node:https';
import { createServices, type Services } from '../../services/index';
import { createHandlers } from './index';
import { ceremonyHandlers } from './ceremony';
import { dispatch, type Handlers } from '../dispatch';
import { silentLogger } from '../../services/log/logger';
import { systemClock } from '../../services/platform/clock';
import { testSecretBox } from '../../services/transcript/test-support';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import type { RequestOf, ResponseOf, Channel } from '../../../shared/ipc/contract';
import { ADMIN, startHarness, type Harness } from '../../rehearsal/control-plane/testing/harness';

/** An HTTPS agent whose connections can be sent to an address that never answers (the vendor unreachable, not refusing). */
class SwitchableAgent extends https.Agent {
  silentPort: number | null = null;
  override createConnection(...[options, cb]: Parameters<https.Agent['createConnection']>): ReturnType<https.Agent['createConnection']> {
    return super.createConnection(this.silentPort === null ? options : { ...options, host: '127.0.0.1', port: this.silentPort }, cb);
  }
}

let h: Harness;
let silent: net.Server;
let silentPort = 0;
const held: net.Socket[] = [];
beforeAll(async () => {
  h = await startHarness();
  // Accepts every connection and never answers: no TLS handshake, no refusal.
  silent = net.createServer((sock) => void held.push(sock));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((r) => silent?.close(r));
  await h?.close();
});
const dirs: string[] = [];
const agents: https.Agent[] = [];
afterEach(() => {
  for (const a of agents.splice(0)) a.destroy();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Station {
  s: Services;
  agent: SwitchableAgent;
  call<C extends Channel>(c: C, r: RequestOf<C>): Promise<ResponseOf<C>>;
}

function station(label: string, exchangeTimeoutMs?: number): Station {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-cer-exchange-'));
  dirs.push(dataDir);
  const agent = new SwitchableAgent({ ca: h.ca });
  agents.push(agent);
  const s = createServices({
    dataDir,
    secretBox: testSecretBox(),
    clock: systemClock,
    log: silentLogger,
    environment: { mode: 'rehearsal', description: 'test' },
    appVersion: 'test',
    emit: () => {},
    escrowKdf: TEST_KDF,
    workstationLabel: label,
    controlPlaneAgent: agent,
  });
  // The app's handlers; only the Ceremony screen's exchange timeout is shortened, so the test does not wait 8 s.
  const handlers: Handlers = { ...createHandlers(s), ...(exchangeTimeoutMs ? ceremonyHandlers(s, { exchangeTimeoutMs }) : {}) };
  const call = async <C extends Channel>(c: C, r: RequestOf<C>): Promise<ResponseOf<C>> => {
    const out = await dispatch(handlers, c, r, silentLogger);
    if (!out.ok) throw Object.assign(new Error(out.error.message), { code: out.error.code });
    return out.value as ResponseOf<C>;
  };
  return { s, agent, call };
}

async function connect(w: Station, environmentId: string, holder: 1 | 2) {
  const token = (await h.api('POST', '/admin/enrolments', { environmentId, holder }, ADMIN)).json.token as string;
  const fp = (await h.api('GET', '/.well-known/keyholder-control-plane')).json.sealing.fingerprint as string;
  await w.s.controlPlane.connect({ baseUrl: h.cp.baseUrl, expectedFingerprint: fp, enrolmentToken: token });
}

/** Custodians' desk and both holders' laptops, one plan, a few steps each; the custodians' file carried by hand to holder 1 only. */
async function ceremony(environmentId: string) {
  const custodians = station('Custodians’ desk');
  const h1 = station('Holder 1 laptop', 300);
  const h2 = station('Holder 2 laptop');
  const all = [custodians, h1, h2];
  for (const from of all) {
    const text = (await from.call('activation:plan', {})).text;
    for (const to of all) if (to !== from) await to.call('activation:importPlan', { text });
  }
  await custodians.s.ceremony.record('key.generated', { fingerprint: 'sha256:' + 'ab'.repeat(32) });
  await custodians.s.ceremony.record('holder-copy.written', { holder: 1, fingerprint: 'sha256:' + 'ab'.repeat(32) });
  await h1.s.ceremony.record('worksheet.saved', { holder: 1 });
  await h2.s.ceremony.record('worksheet.saved', { holder: 2 });
  const custodiansFile = custodians.s.mergedCeremony.exportOwn();
  await h1.call('ceremony:importWorkstationFile', { name: custodiansFile.name, text: custodiansFile.text });
  await connect(h1, environmentId, 1);
  await connect(h2, environmentId, 2);
  return { custodians, h1, h2 };
}

const row = (v: ResponseOf<'ceremony:merged'>, label: string) => v.workstations.find((w) => w.workstation === label);

describe('the whole ceremony and the control plane', () => {
  it('a holder’s workstation passes the custodians’ file on: the other holder receives it from the control plane', async () => {
    const { h1, h2 } = await ceremony('env-exchange-relay');
    const first = await h1.call('ceremony:exchange', {});
    expect(first.controlPlane).toMatchObject({ state: 'exchanged', relayed: ['Custodians’ desk'] });
    const second = await h2.call('ceremony:exchange', {});
    expect(second.controlPlane).toMatchObject({ state: 'exchanged', relayed: [] });
    // Holder 2 never saw the custodians' file by hand: it came through the control plane, checked against the plan.
    expect(row(second, 'Custodians’ desk')).toMatchObject({ state: 'open', source: expect.stringContaining('control plane') });
    expect(row(second, 'Holder 1 laptop')).toMatchObject({ state: 'open', source: expect.stringContaining('control plane') });
    expect(second.gaps).toEqual([]);
  });

  it('an unreachable control plane: the view comes at once from what is kept here, the exchange gives up and says when the copies were fetched', async () => {
    const { h1, h2 } = await ceremony('env-exchange-silent');
    await h2.call('ceremony:exchange', {});
    const good = await h1.call('ceremony:exchange', {});
    expect(good.controlPlane.state).toBe('exchanged');
    const fetchedAt = good.controlPlane.state === 'exchanged' ? good.controlPlane.at : '';

    // The vendor's address now accepts connections and never answers.
    h1.agent.silentPort = silentPort;
    const before = held.length;
    const view = await h1.call('ceremony:merged', {});
    // Not one connection was tried: nothing held the view up.
    expect(held.length).toBe(before);
    expect(view.controlPlane).toEqual({ state: 'not_asked', lastExchangedAt: fetchedAt });
    expect(row(view, 'Holder 1 laptop')).toMatchObject({ thisOne: true, entries: expect.any(Number) });
    expect(row(view, 'Custodians’ desk')).toMatchObject({ state: 'open', source: expect.stringContaining('file') });
    expect(row(view, 'Holder 2 laptop')).toMatchObject({ state: 'open', source: expect.stringContaining('control plane') });
    expect(view.steps.find((s) => s.id === 'worksheet-saved:2')?.recordedBy).toMatchObject({ workstation: 'Holder 2 laptop' });

    const failed = await h1.call('ceremony:exchange', {});
    expect(held.length).toBeGreaterThan(before);
    expect(failed.controlPlane).toMatchObject({ state: 'failed', code: 'control_plane.timeout', lastExchangedAt: fetchedAt });
    expect(failed.controlPlane.state === 'failed' && failed.controlPlane.message).toMatch(/did not answer/);
    // The copies kept from the last good exchange stand; nothing is dropped or hidden.
    expect(row(failed, 'Holder 2 laptop')).toMatchObject({ state: 'open', source: expect.stringContaining('control plane') });
    expect(failed.workstations.map((w) => w.state)).not.toContain('missing');

    // Reachable again: the next exchange works and dates the copies anew.
    h1.agent.silentPort = null;
    const again = await h1.call('ceremony:exchange', {});
    expect(again.controlPlane.state).toBe('exchanged');
  });

  it('a workstation not connected (the custodians’) never asks the control plane', async () => {
    const { custodians } = await ceremony('env-exchange-custodians');
    expect((await custodians.call('ceremony:merged', {})).controlPlane).toEqual({ state: 'not_connected' });
    expect((await custodians.call('ceremony:exchange', {})).controlPlane).toEqual({ state: 'not_connected' });
  });
});
