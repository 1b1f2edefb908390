/**
 * Identity Center double contract: SSO OIDC and the access portal driven
 * through the official @aws-sdk/client-sso-oidc and @aws-sdk/client-sso,
 * every successful response checked against AWS's published models (closed
 * structures, member types), and every refusal with AWS's error code in the
 * shape the SDK reads (x-amzn-errortype; OIDC's error/error_description).
 */
import type https from 'node:https';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import { CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, StartDeviceAuthorizationCommand } from '@aws-sdk/client-sso-oidc';
import { GetRoleCredentialsCommand, ListAccountRolesCommand, ListAccountsCommand, LogoutCommand, SSOClient } from '@aws-sdk/client-sso';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../index';
import { agentFor, request } from '../testing/sdk';
import { createKmsValidator } from '../testing/kms-model';

const modelFile = (name: string) => fileURLToPath(new URL(`../testing/specs/aws-sso/2019-06-10/${name}-2019-06-10.min.json`, import.meta.url));
const OPERATION_BY_PATH: Record<string, [string, string]> = {
  '/client/register': ['sso-oidc', 'RegisterClient'],
  '/device_authorization': ['sso-oidc', 'StartDeviceAuthorization'],
  '/token': ['sso-oidc', 'CreateToken'],
  '/federation/credentials': ['sso', 'GetRoleCredentials'],
  '/assignment/accounts': ['sso', 'ListAccounts'],
  '/assignment/roles': ['sso', 'ListAccountRoles'],
  '/logout': ['sso', 'Logout'],
};

let cloud: RehearsalCloud;
let agent: https.Agent;
const problems: string[] = [];
const errors: string[] = [];

/** The SDK's own handler, checking each answer against the published model of its service. */
function checkingHandler(): NodeHttpHandler {
  const validators = {
    'sso-oidc': createKmsValidator(JSON.parse(fs.readFileSync(modelFile('sso-oidc'), 'utf8'))),
    sso: createKmsValidator(JSON.parse(fs.readFileSync(modelFile('sso'), 'utf8'))),
  };
  const inner = new NodeHttpHandler({ httpsAgent: agent });
  const handle = inner.handle.bind(inner);
  inner.handle = async (req, options) => {
    const { response } = await handle(req, options);
    const [service, op] = OPERATION_BY_PATH[req.path] ?? ['?', '?'];
    const chunks: Buffer[] = [];
    for await (const c of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
    const text = Buffer.concat(chunks).toString('utf8');
    if (response.statusCode === 200) {
      if (text) problems.push(...validators[service as 'sso'].output(op, JSON.parse(text)));
    } else {
      const type = response.headers['x-amzn-errortype'];
      const body = JSON.parse(text) as Record<string, unknown>;
      const shapeOk = service === 'sso-oidc' ? typeof body.error === 'string' && typeof body.error_description === 'string' : typeof body.message === 'string';
      if (!type || !shapeOk) problems.push(`${op} error ${response.statusCode}: ${text}`);
      errors.push(`${op}:${type}`);
    }
    response.body = Readable.from([Buffer.from(text)]);
    return { response };
  };
  return inner;
}

let oidc: SSOOIDCClient;
let portal: SSOClient;
const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: { name?: string }) => e.name ?? '?',
  );

async function approve(userCode: string, decision = 'approve', user = 'alice') {
  return request(agent, `${cloud.descriptor.kms.identityCenter.oidcEndpoint}/device`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user_code: userCode, decision, user }).toString(),
  });
}

beforeAll(async () => {
  cloud = await startRehearsalCloud({ port: 0, adminEnabled: true });
  agent = agentFor(cloud);
  const ic = cloud.descriptor.kms.identityCenter;
  const handler = checkingHandler();
  oidc = new SSOOIDCClient({ region: ic.region, endpoint: ic.oidcEndpoint, requestHandler: handler, maxAttempts: 1 });
  portal = new SSOClient({ region: ic.region, endpoint: ic.portalEndpoint, requestHandler: handler, maxAttempts: 1 });
}, 30_000);
afterAll(async () => {
  oidc?.destroy();
  portal?.destroy();
  agent?.destroy();
  await cloud?.stop();
});

describe('SSO OIDC and the access portal through the official SDKs', () => {
  it('device authorisation, token, accounts, roles, role credentials and logout conform to the published models', async () => {
    const ic = cloud.descriptor.kms.identityCenter;
    const reg = await oidc.send(new RegisterClientCommand({ clientName: 'contract', clientType: 'public', scopes: ['sso:account:access'] }));
    expect(reg.clientSecretExpiresAt! - reg.clientIdIssuedAt!).toBe(90 * 24 * 3600);
    const c = { clientId: reg.clientId!, clientSecret: reg.clientSecret! };
    const start = await oidc.send(new StartDeviceAuthorizationCommand({ ...c, startUrl: ic.startUrl }));
    expect(start).toMatchObject({ expiresIn: 600, interval: 1 });
    const grant = { ...c, grantType: 'urn:ietf:params:oauth:grant-type:device_code', deviceCode: start.deviceCode! };
    expect(await failure(oidc.send(new CreateTokenCommand(grant)))).toBe('AuthorizationPendingException');
    // At once again: faster than the interval.
    expect(await failure(oidc.send(new CreateTokenCommand(grant)))).toBe('SlowDownException');
    expect((await approve(start.userCode!)).status).toBe(200);
    const t = await oidc.send(new CreateTokenCommand(grant));
    expect(t).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 });
    expect(t.refreshToken).toBeTruthy();
    // A device code is used once.
    expect(await failure(oidc.send(new CreateTokenCommand(grant)))).toBe('InvalidGrantException');

    const accounts = await portal.send(new ListAccountsCommand({ accessToken: t.accessToken! }));
    expect(accounts.accountList).toEqual([{ accountId: '111122223333', accountName: 'Key holder 1 rehearsal account', emailAddress: 'alice@holder1.example' }]);
    const page1 = await portal.send(new ListAccountRolesCommand({ accessToken: t.accessToken!, accountId: '111122223333', maxResults: 1 }));
    expect(page1.roleList).toHaveLength(1);
    const page2 = await portal.send(new ListAccountRolesCommand({ accessToken: t.accessToken!, accountId: '111122223333', maxResults: 1, nextToken: page1.nextToken! }));
    expect([page1.roleList![0]!.roleName, page2.roleList![0]!.roleName].sort()).toEqual(['KeyHolderKmsAdmin', 'KmsReadOnly']);
    const rc = await portal.send(new GetRoleCredentialsCommand({ accessToken: t.accessToken!, accountId: '111122223333', roleName: 'KeyHolderKmsAdmin' }));
    expect(rc.roleCredentials!.accessKeyId).toMatch(/^ASIA/);
    expect(rc.roleCredentials!.expiration! - Date.now()).toBeGreaterThan(3500_000);
    expect(await failure(portal.send(new GetRoleCredentialsCommand({ accessToken: t.accessToken!, accountId: '444455556666', roleName: 'KeyHolderKmsAdmin' })))).toBe('ResourceNotFoundException');

    const renewed = await oidc.send(new CreateTokenCommand({ ...c, grantType: 'refresh_token', refreshToken: t.refreshToken! }));
    expect(renewed.accessToken).not.toBe(t.accessToken);
    // Refresh tokens rotate: the old one is used up.
    expect(await failure(oidc.send(new CreateTokenCommand({ ...c, grantType: 'refresh_token', refreshToken: t.refreshToken! })))).toBe('InvalidGrantException');

    await portal.send(new LogoutCommand({ accessToken: renewed.accessToken! }));
    expect(await failure(portal.send(new ListAccountsCommand({ accessToken: renewed.accessToken! })))).toBe('UnauthorizedException');
    expect(problems).toEqual([]);
  });

  it('refuses with AWS’s codes: wrong client secret, unknown start URL, denied, expired, unknown grant, bad token', async () => {
    const ic = cloud.descriptor.kms.identityCenter;
    const reg = await oidc.send(new RegisterClientCommand({ clientName: 'contract', clientType: 'public' }));
    const c = { clientId: reg.clientId!, clientSecret: reg.clientSecret! };
    expect(await failure(oidc.send(new StartDeviceAuthorizationCommand({ ...c, clientSecret: 'wrong', startUrl: ic.startUrl })))).toBe('InvalidClientException');
    expect(await failure(oidc.send(new StartDeviceAuthorizationCommand({ ...c, startUrl: 'https://d-0000000000.awsapps.com/start' })))).toBe('InvalidRequestException');
    const denied = await oidc.send(new StartDeviceAuthorizationCommand({ ...c, startUrl: ic.startUrl }));
    expect((await approve(denied.userCode!, 'deny')).status).toBe(200);
    expect(await failure(oidc.send(new CreateTokenCommand({ ...c, grantType: 'urn:ietf:params:oauth:grant-type:device_code', deviceCode: denied.deviceCode! })))).toBe('AccessDeniedException');
    const late = await oidc.send(new StartDeviceAuthorizationCommand({ ...c, startUrl: ic.startUrl }));
    await request(agent, `${cloud.descriptor.adminUrl}/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceMs: 601_000 }) });
    expect(await failure(oidc.send(new CreateTokenCommand({ ...c, grantType: 'urn:ietf:params:oauth:grant-type:device_code', deviceCode: late.deviceCode! })))).toBe('ExpiredTokenException');
    expect((await approve(late.userCode!)).status).toBe(400);
    expect(await failure(oidc.send(new CreateTokenCommand({ ...c, grantType: 'password' })))).toBe('UnsupportedGrantTypeException');
    // Registered without the sso:account:access scope: no refresh token, as AWS does.
    const other = await oidc.send(new StartDeviceAuthorizationCommand({ ...c, startUrl: ic.startUrl }));
    await approve(other.userCode!, 'approve', 'bob');
    const t = await oidc.send(new CreateTokenCommand({ ...c, grantType: 'urn:ietf:params:oauth:grant-type:device_code', deviceCode: other.deviceCode! }));
    expect(t.refreshToken).toBeUndefined();
    expect(await failure(portal.send(new ListAccountsCommand({ accessToken: 'not-a-token' })))).toBe('UnauthorizedException');
    expect(errors).toEqual(expect.arrayContaining(['StartDeviceAuthorization:InvalidClientException', 'CreateToken:AccessDeniedException', 'CreateToken:ExpiredTokenException', 'ListAccounts:UnauthorizedException']));
    expect(problems).toEqual([]);
  });

  it('the approval page escapes what it is given and refuses an unknown code', async () => {
    const page = await request(agent, `${cloud.descriptor.kms.identityCenter.oidcEndpoint}/device?user_code=${encodeURIComponent('<script>x</script>')}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('<script>x');
    expect((await approve('ZZZZ-ZZZZ')).status).toBe(400);
  });
});
