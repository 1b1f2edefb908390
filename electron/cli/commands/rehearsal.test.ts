/** `keyholder rehearsal-cloud`: one JSON line when ready, clean stop on SIGTERM. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRehearsalCloud } from './rehearsal';
import type { CliIo } from '../io';

const bin = path.resolve(__dirname, '../bin.mjs');

describe('keyholder rehearsal-cloud', () => {
  it('prints one descriptor line and stops cleanly on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rh-cli-'));
    const child = spawn(process.execPath, [bin, 'rehearsal-cloud', '--port', '0', '--state', path.join(dir, 'state.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const d = JSON.parse(line) as { kind: string; caCertPath: string; tenants: unknown[]; vaults: { url: string }[]; graphUrl: string; apps: { clientSecret?: string }[] };
    expect(d.kind).toBe('keyholder-rehearsal-cloud');
    expect(fs.existsSync(d.caCertPath)).toBe(true);
    expect(d.tenants).toHaveLength(2);
    expect(d.vaults[0]!.url).toMatch(/^https:\/\/holder1-vault\.vault\.rehearsal\.localhost:\d+$/);
    expect(d.apps[0]!.clientSecret).toBeTruthy();
    const code = await new Promise<number | null>((resolve) => {
      child.removeAllListeners('exit');
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'state.json'))).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses bad arguments with a usage line', async () => {
    const errs: string[] = [];
    const io: CliIo = { out: () => {}, err: (l) => errs.push(l), promptHidden: async () => '', env: {}, cwd: os.tmpdir() };
    expect(await runRehearsalCloud(['--port', 'abc'], io)).toBe(2);
    expect(await runRehearsalCloud(['--bogus'], io)).toBe(2);
    expect(errs.join('\n')).toMatch(/--port|Usage/);
    expect(await runRehearsalCloud(['--propagation-ms', '-1'], io)).toBe(2);
    expect(await runRehearsalCloud(['--propagation-ms', 'soon'], io)).toBe(2);
    expect(errs.join('\n')).toMatch(/--propagation-ms needs whole milliseconds/);
    const outs: string[] = [];
    expect(await runRehearsalCloud(['--help'], { ...io, out: (l) => outs.push(l) })).toBe(0);
    expect(outs.join('\n')).toMatch(/Usage: keyholder rehearsal-cloud[\s\S]*--propagation-ms MS/);
  });
});
