import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger';
import { systemClock } from '../platform/clock';
import { memorySecretBox } from '../platform/memory-secret-box';
import { checkPolicy } from '../../../shared/settings/policy';
import { openWorkstationSettings } from './workstation';
import { createSettingsService } from './service';

const CLIENT = '11111111-2222-3333-4444-555555555555';
const good = { tenant: 'contoso.com', clientId: CLIENT, cloud: 'public' };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'kh-ws-'));

function open(dir: string, policy = checkPolicy({}, 'p')) {
  return openWorkstationSettings({ baseDir: dir, clock: systemClock, log: silentLogger, running: 'rehearsal', policy: { ...policy, origin: policy.problems.length || Object.keys(policy.policy).length ? '/etc/keyholder/policy.json' : null } });
}

describe('workstation settings', () => {
  it('first run: the holder chooses once; the choice is kept', () => {
    const dir = tmp();
    const ws = open(dir);
    expect(ws.configuration().modeChosen).toBe(false);
    expect(ws.chooseMode('rehearsal').modeChosen).toBe(true);
    expect(ws.chooseMode('live').mode).toBe('rehearsal');
    expect(open(dir).configuration()).toMatchObject({ mode: 'rehearsal', modeChosen: true });
  });

  it('saves nothing half-way: a wrong field, an unconfirmed save or a managed field leaves the file as it was', () => {
    const dir = tmp();
    const ws = open(dir);
    const file = path.join(dir, 'workstation.json');
    const before = fs.readFileSync(file, 'utf8');
    expect(() => ws.saveLive({ ...good, clientId: 'nope' }, { confirmed: true })).toThrow(/Nothing was saved\. Application \(client\) ID: /);
    expect(() => ws.saveLive({ ...good, cloud: 'custom', custom: { authorityHost: 'https://login.example.test' } }, { confirmed: true })).toThrow(/Key Vault DNS suffix: /);
    expect(() => ws.saveLive(good, { confirmed: false })).toThrow(/Confirm the settings first/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    ws.saveLive(good, { confirmed: true });
    expect(open(dir).configuration().live).toMatchObject(good);
    const managed = open(dir, checkPolicy({ tenant: 'fabrikam.com' }, '/etc/keyholder/policy.json'));
    expect(managed.configuration().merged.tenant).toBe('fabrikam.com');
    expect(() => managed.saveLive({ ...good, tenant: 'contoso.com' }, { confirmed: true })).toThrow(/tenant is set by your organisation/);
    expect(managed.saveLive({ ...good, tenant: 'fabrikam.com', cloud: 'usgov' }, { confirmed: true }).live?.cloud).toBe('usgov');
  });

  it('switching to live needs complete settings and a confirmation; policy can lock the mode or forbid rehearsal', () => {
    const dir = tmp();
    const ws = open(dir);
    expect(() => ws.setMode('live', { confirmed: true })).toThrow(/Live mode is not set up yet/);
    ws.saveLive(good, { confirmed: true });
    expect(() => ws.setMode('live', { confirmed: false })).toThrow(/Confirm the switch to live mode/);
    expect(ws.setMode('live', { confirmed: true }).mode).toBe('live');
    const noRehearsal = open(dir, checkPolicy({ allowRehearsal: false }, 'p'));
    expect(() => noRehearsal.setMode('rehearsal', { confirmed: true })).toThrow(/does not allow rehearsal mode/);
    const locked = open(dir, checkPolicy({ mode: 'live' }, 'p'));
    expect(() => locked.setMode('rehearsal', { confirmed: true })).toThrow(/has set Key Holder to live mode/);
  });

  it('a mode switch ends the session (sign-outs, wiped activations) before restarting', async () => {
    const dir = tmp();
    const ws = open(dir);
    ws.saveLive(good, { confirmed: true });
    const calls: string[] = [];
    const svc = createSettingsService({ workstation: ws, connection: { clock: systemClock, log: silentLogger, secretBox: memorySecretBox() }, endSession: async () => void calls.push('end'), restart: () => calls.push('restart') });
    await expect(svc.switchMode('live', false)).rejects.toThrow(/Confirm/);
    expect(calls).toEqual([]);
    const r = await svc.switchMode('live', true);
    expect(calls).toEqual(['end', 'restart']);
    expect(r).toMatchObject({ restarting: true, view: { running: 'rehearsal', configured: 'live', liveReady: true } });
    await expect(svc.test({ ...good, tenant: 'x' }, 'https://v.vault.azure.net')).rejects.toThrow(/Correct the settings first: Tenant: /);
  });
});

it('a control plane pinned by policy refuses any other address or fingerprint', () => {
  const FP = `sha256:${'d'.repeat(64)}`;
  const ws = open(tmp(), checkPolicy({ controlPlane: { url: 'https://cp.vendor.example', fingerprint: FP } }, '/etc/keyholder/policy.json'));
  const svc = createSettingsService({ workstation: ws, connection: { clock: systemClock, log: silentLogger, secretBox: memorySecretBox() }, endSession: async () => {} });
  expect(() => svc.checkControlPlane('https://cp.vendor.example/', FP.toUpperCase().replace('SHA256', 'sha256'))).not.toThrow();
  expect(() => svc.checkControlPlane('https://evil.example', FP)).toThrow(/has set the vendor’s control plane to https:\/\/cp\.vendor\.example/);
  expect(() => svc.checkControlPlane('https://cp.vendor.example', `sha256:${'e'.repeat(64)}`)).toThrow(/nothing was sent/);
  const free = createSettingsService({ workstation: open(tmp()), connection: { clock: systemClock, log: silentLogger, secretBox: memorySecretBox() }, endSession: async () => {} });
  expect(() => free.checkControlPlane('https://anything.example', FP)).not.toThrow();
});
