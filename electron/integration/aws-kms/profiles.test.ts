/**
 * AWS sign-in from named profiles: the shared config and credentials files
 * read by the SDK's resolver, credentials kept in memory, used against the
 * rehearsal KMS double; and the endpoint override as the AWS CLI reads it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRehearsalCloud, type RehearsalCloud } from '../../rehearsal/index';
import { agentFor } from '../../rehearsal/testing/sdk';
import { credentialsFromProfile, kmsEndpointFromEnv, listAwsProfiles } from '../../services/identity/aws-profiles';
import { AwsKmsProvider } from '../../services/vault/aws-kms/provider';

let cloud: RehearsalCloud;
let agent: https.Agent;
let dir: string;
let files: { configFile: string; credentialsFile: string };

beforeAll(async () => {
  cloud = await startRehearsalCloud({ port: 0 });
  agent = agentFor(cloud);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kh-aws-profiles-'));
  const alice = cloud.descriptor.kms.principals.find((p) => p.label === 'key holder 1')!;
  files = { configFile: path.join(dir, 'config'), credentialsFile: path.join(dir, 'credentials') };
  fs.writeFileSync(
    files.configFile,
    ['[profile holder1]', 'region = eu-west-2', '', '[profile broken]', 'region = eu-west-2', '', '[sso-session corp]', 'sso_start_url = https://corp.awsapps.com/start', 'sso_region = eu-west-2', '', '[profile holder-sso]', 'sso_session = corp', 'sso_account_id = 111122223333', 'sso_role_name = KeyHolder', 'region = eu-west-2', ''].join('\n'),
  );
  fs.writeFileSync(files.credentialsFile, ['[holder1]', `aws_access_key_id = ${alice.accessKeyId}`, `aws_secret_access_key = ${alice.secretAccessKey}`, '', '[broken]', `aws_access_key_id = ${alice.accessKeyId}`, 'aws_secret_access_key = not-the-secret-not-the-secret-not-the-se', ''].join('\n'));
}, 30_000);
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  agent?.destroy();
  await cloud?.stop();
});

describe('named profiles', () => {
  it('lists profiles with their Region and kind', async () => {
    const profiles = await listAwsProfiles(files);
    expect(profiles.find((p) => p.name === 'holder1')).toEqual({ name: 'holder1', region: 'eu-west-2', sso: false, staticKeys: true });
    expect(profiles.find((p) => p.name === 'holder-sso')).toMatchObject({ sso: true, staticKeys: false });
  });

  it('a profile signs KMS requests the double accepts; a wrong secret is refused with an actionable error', async () => {
    const credentials = await credentialsFromProfile('holder1', files);
    const p = new AwsKmsProvider({ region: 'eu-west-2', endpoint: cloud.descriptor.kms.endpoint, agent, credentials });
    const arn = `arn:aws:kms:eu-west-2:111122223333:key/${crypto.randomUUID()}`;
    expect(await p.health(arn)).toEqual({ state: 'revoked', keyArn: arn, reason: 'not-found' });
    const bad = new AwsKmsProvider({ region: 'eu-west-2', endpoint: cloud.descriptor.kms.endpoint, agent, credentials: await credentialsFromProfile('broken', files) });
    expect(await bad.health(arn)).toMatchObject({ state: 'unavailable', code: 'aws.bad_credentials' });
  });

  it('an unknown profile or an Identity Center profile without a session says what to do', async () => {
    await expect(credentialsFromProfile('nobody', files)).rejects.toMatchObject({ code: 'aws.profile_not_found', message: expect.stringMatching(/holder1/) });
    await expect(credentialsFromProfile('holder-sso', files)).rejects.toMatchObject({ code: 'aws.profile_unusable', message: expect.stringMatching(/aws sso login --profile holder-sso/) });
  });
});

describe('endpoint override', () => {
  it('reads AWS_ENDPOINT_URL_KMS before AWS_ENDPOINT_URL and refuses anything but a plain https URL', () => {
    expect(kmsEndpointFromEnv({})).toBeUndefined();
    expect(kmsEndpointFromEnv({ AWS_ENDPOINT_URL: 'https://a.example', AWS_ENDPOINT_URL_KMS: 'https://kms.example:8443/' })).toBe('https://kms.example:8443');
    expect(kmsEndpointFromEnv({ AWS_ENDPOINT_URL: 'https://a.example' })).toBe('https://a.example');
    for (const bad of ['http://kms.example', 'https://user:pw@kms.example', 'kms.example', 'https://kms.example/?x=1']) {
      expect(() => kmsEndpointFromEnv({ AWS_ENDPOINT_URL_KMS: bad })).toThrow(expect.objectContaining({ code: 'aws.bad_endpoint' }));
    }
  });
});
