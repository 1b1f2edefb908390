import { describe, expect, it } from 'vitest';
import { loopbackLookup } from './agent';
import { AZURE_PUBLIC, rehearsalEnvironment, type RehearsalDescriptorLike } from './environment';
import { clientsFor } from './clients';

function lookup(host: string, all: boolean): Promise<unknown> {
  return new Promise((resolve, reject) =>
    loopbackLookup(host, { all }, (err, address, family) => (err ? reject(err) : resolve(all ? address : { address, family }))),
  );
}

const descriptor: RehearsalDescriptorLike = {
  kind: 'keyholder-rehearsal-cloud',
  port: 8443,
  caCertPath: '/tmp/ca.pem',
  entraUrl: 'https://localhost:8443',
  knownAuthorities: ['localhost:8443'],
  vaultScope: 'https://vault.rehearsal.localhost/.default',
  vaultDnsSuffix: '.vault.rehearsal.localhost',
  graphUrl: 'https://localhost:8443/v1.0',
  graphScope: 'https://graph.rehearsal.localhost/.default',
  tenants: [{ id: 't1', displayName: 'T1', domain: 'x', authority: 'https://localhost:8443/t1' }],
  users: [],
  apps: [],
  vaults: [],
};

describe('cloud environment plumbing', () => {
  it('resolves localhost and *.localhost to loopback, honouring options.all', async () => {
    expect(await lookup('holder1-vault.vault.rehearsal.localhost', false)).toEqual({ address: '127.0.0.1', family: 4 });
    expect(await lookup('LOCALHOST', true)).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(await lookup('a.b.localhost.', true)).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  it('does not send other names to loopback', async () => {
    await expect(lookup('localhost.evil.invalid', false)).rejects.toThrow();
  });

  it('builds rehearsal MSAL and KeyClient options with the agent and knownAuthorities; live uses defaults', () => {
    const rehearsal = clientsFor(rehearsalEnvironment(descriptor, '-----BEGIN CERTIFICATE-----\n'));
    const cfg = rehearsal.msalConfig({ tenantId: 't1', clientId: 'c1' });
    expect(cfg.auth.authority).toBe('https://localhost:8443/t1');
    expect(cfg.auth.knownAuthorities).toEqual(['localhost:8443']);
    expect(cfg.system?.networkClient).toBeDefined();
    expect((rehearsal.keyClientOptions() as { agent?: unknown }).agent).toBe(rehearsal.agent);
    expect(rehearsal.env.vaultDnsSuffixes).toEqual(['.vault.rehearsal.localhost']);
    rehearsal.destroy();
    const live = clientsFor(AZURE_PUBLIC);
    expect(live.agent).toBeUndefined();
    expect(live.msalConfig({ tenantId: 't', clientId: 'c', clientSecret: 's' }).auth).toEqual({ clientId: 'c', authority: 'https://login.microsoftonline.com/t', clientSecret: 's' });
    expect(live.keyClientOptions()).toEqual({});
    expect(live.env.vaultDnsSuffixes).not.toContain('.vault.rehearsal.localhost');
  });
});
