/**
 * One name per feature across the CLI and the app's channels (issue 14): a
 * `keyholder` command's first word is a channel domain, or it is listed in the
 * names table of docs/architecture.md with what it stands for. A new CLI verb
 * with its own name fails here until the table says why it differs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from './commands/index';
import { contract } from '../../shared/ipc/contract';

const HEADER = '| domain (channels, services, screen) | CLI |';

/** The rows of the CLI table in docs/architecture.md: the domain cell and the CLI verb named in the CLI cell. */
function cliTable(): { domain: string; verb: string }[] {
  const lines = fs.readFileSync(path.join(import.meta.dirname, '../../docs/architecture.md'), 'utf8').split('\n');
  const start = lines.indexOf(HEADER);
  expect(start, `docs/architecture.md has the table "${HEADER}"`).toBeGreaterThan(-1);
  const rows: { domain: string; verb: string }[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const [domain = '', cli = ''] = line.split('|').slice(1, 3).map((c) => c.trim());
    const verb = /`keyholder ([a-z-]+)/.exec(cli)?.[1];
    expect(verb, `the row "${line}" names a keyholder command`).toBeDefined();
    rows.push({ domain, verb: verb! });
  }
  return rows;
}

const channelDomains = new Set(Object.keys(contract).map((c) => c.split(':')[0]!));
const cliVerbs = new Set(commands.map((c) => c.name.split(' ')[0]!));

describe('one name per feature across the CLI and the channels', () => {
  it('every CLI verb is a channel domain or is listed in docs/architecture.md with what it stands for', () => {
    const listed = new Set(cliTable().map((r) => r.verb));
    const unexplained = [...cliVerbs].filter((v) => !channelDomains.has(v) && !listed.has(v));
    expect(unexplained).toEqual([]);
  });

  it('the table names only real CLI verbs, and a domain it names is a real channel domain or folder', () => {
    for (const { domain, verb } of cliTable()) {
      expect(cliVerbs, `keyholder ${verb}`).toContain(verb);
      const named = /`([^`]+)`/.exec(domain)?.[1];
      expect(named, `the row for keyholder ${verb} names its domain or folder`).toBeDefined();
      if (named!.includes('/')) expect(fs.existsSync(path.join(import.meta.dirname, '../..', named!)), named).toBe(true);
      else expect(channelDomains, named).toContain(named);
    }
  });
});
