import { describe, expect, it } from 'vitest';
import { loopbackLookup } from './agent';
import { rehearsalEnvironment, type RehearsalDescriptorLike } from './environment';

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

  it('reads a rehearsal cloud descriptor into the environment the services use, and nothing else', () => {
    const env = rehearsalEnvironment(descriptor, '-----BEGIN CERTIFICATE-----\n');
    expect(env.mode).toBe('rehearsal');
    expect(env.knownAuthorities).toEqual(['localhost:8443']);
    expect(env.vaultDnsSuffixes).toEqual(['.vault.rehearsal.localhost']);
    expect(env.caCertPem).toBe('-----BEGIN CERTIFICATE-----\n');
    expect(() => rehearsalEnvironment({ ...descriptor, kind: 'something-else' } as unknown as RehearsalDescriptorLike, '')).toThrow(/Not a rehearsal cloud descriptor/);
  });
});
