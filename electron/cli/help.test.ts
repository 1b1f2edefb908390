/**
 * The CLI explains itself: every registered command answers --help (exit 0)
 * with its usage, every option its parser accepts, an example and its exit
 * statuses; `keyholder help COMMAND` says the same; an unknown option is
 * named and points to --help (exit 2); --version prints the version.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from './commands/index';
import { allOptions, parseWith } from './command';
import { main } from './main';
import type { CliIo } from './io';

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), promptHidden: () => Promise.reject(new Error('no terminal')), env: { KEYHOLDER_COMMIT: 'abc123def456' }, cwd: process.cwd() };
  return { io, out, err };
}

describe('keyholder COMMAND --help', () => {
  it('there are commands to walk', () => {
    expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining(['escrow create', 'expiry list', 'transcript verify', 'store status', 'rehearse', 'rehearsal-cloud', 'key fingerprint']));
  });

  it.each(commands.map((c) => [c.name, c] as const))('%s --help: exit 0, usage, every option the parser accepts, an example, exit statuses', async (name, command) => {
    for (const argv of [[...name.split(' '), '--help'], [...name.split(' '), '-h'], ['help', ...name.split(' ')]]) {
      const { io, out, err } = fakeIo();
      expect(await main(argv, io), argv.join(' ')).toBe(0);
      expect(err).toEqual([]);
      const text = out.join('\n');
      expect(text).toMatch(new RegExp(`^Usage: keyholder ${name}\\b`));
      for (const [option, o] of Object.entries(allOptions(command.spec))) {
        expect(text, `--${option}`).toMatch(new RegExp(`--${option}${o.type === 'string' ? ' [A-Z]' : '\\b'}`));
        // The help lists exactly what the parser takes: each listed option parses.
        const sample = o.type === 'string' ? [`--${option}`, 'x'] : [`--${option}`];
        expect(typeof parseWith(command.spec, command.spec.operands ? [...sample, 'operand'] : sample), `--${option} parses`).toBe('object');
      }
      expect(text).toMatch(/\nExample:\n {2}keyholder /);
      expect(text).toMatch(/\nExit status:\n {2}0 /);
      expect(text).toMatch(/\n {2}2 {2}usage error/);
      expect(text).toMatch(/--json/);
    }
  });

  it.each(commands.map((c) => [c.name] as const))('%s --no-such-option: names it, points to --help, exit 2', async (name) => {
    const { io, out, err } = fakeIo();
    expect(await main([...name.split(' '), '--no-such-option'], io)).toBe(2);
    expect(out).toEqual([]);
    expect(err[0]).toBe(`keyholder ${name}: unknown option '--no-such-option'.`);
    expect(err[1]).toBe(`Run "keyholder ${name} --help" for its usage.`);
  });

  it('escrow create --help works although required options are missing (the issue’s example)', async () => {
    const { io, out } = fakeIo();
    expect(await main(['escrow', 'create', '--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/--threshold N[\s\S]*--bits BITS[\s\S]*--purpose TEXT/);
  });
});

describe('keyholder itself', () => {
  it('--version prints the package version and the commit when known', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const { io, out } = fakeIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(out).toEqual([`keyholder ${version} (commit abc123def456)`]);
    const j = fakeIo();
    expect(await main(['--version', '--json'], j.io)).toBe(0);
    expect(JSON.parse(j.out[0]!)).toEqual({ version, commit: 'abc123def456' });
  });

  it('--help and help list every command; help GROUP lists its commands', async () => {
    const a = fakeIo();
    expect(await main(['--help'], a.io)).toBe(0);
    for (const c of commands) expect(a.out.join('\n')).toContain(c.name);
    const b = fakeIo();
    expect(await main(['help', 'escrow'], b.io)).toBe(0);
    expect(b.out.join('\n')).toMatch(/escrow create[\s\S]*escrow restore/);
  });

  it('unknown options, commands and help topics: exit 2 with a pointer', async () => {
    const a = fakeIo();
    expect(await main(['--frobnicate'], a.io)).toBe(2);
    expect(a.err[0]).toMatch(/unknown option '--frobnicate'.*keyholder --help/);
    const b = fakeIo();
    expect(await main(['escrow', 'destroy'], b.io)).toBe(2);
    expect(b.err.join('\n')).toMatch(/"escrow" has no command "destroy"[\s\S]*escrow create/);
    const c = fakeIo();
    expect(await main(['help', 'nothing'], c.io)).toBe(2);
    const d = fakeIo();
    expect(await main([], d.io)).toBe(2);
    expect(d.err[0]).toMatch(/^Usage: keyholder/);
  });
});
