/**
 * The store commands' default session in a plain terminal. The app keeps the
 * holder's sign-in sealed by the operating system's secret store, which a
 * terminal cannot reach; rather than keep tokens unprotected, the terminal
 * signs in again for each invocation with the device-code flow and holds the
 * tokens in this process only. Its secret box is never available, so nothing
 * secret is written (fail closed), and actions that must be recorded in the
 * workstation's signed transcript (whose key that store seals) are refused
 * before anything reaches the vault.
 *
 * The cloud is the app's: live Azure when KEYHOLDER_LIVE_* is set, otherwise
 * the workstation's embedded rehearsal cloud under the data folder, reached
 * where it already listens (the app is running) or started for the command.
 * A workstation whose key store is AWS KMS (seed 002) signs in to AWS instead:
 * the named profile in KEYHOLDER_AWS_PROFILE (live; credentials in memory
 * only, endpoint override as the AWS CLI's AWS_ENDPOINT_URL_KMS), or the
 * rehearsal account's access key.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import { createServices, type ServiceDeps } from '../../services/index';
import { liveSettingsFromEnv } from '../../composition/workstation-cloud';
import { startEmbeddedRehearsal } from '../../composition/embedded-rehearsal';
import { liveAzureEndpoints } from '../../services/identity/index';
import { credentialsFromProfile, kmsEndpointFromEnv } from '../../services/identity/aws-profiles';
import { rehearsalServiceDeps, type RehearsalDescriptorWithControlPlane } from '../../services/cloud/rehearsal-deps';
import { rehearsalAgent } from '../../services/cloud/agent';
import { systemClock } from '../../services/platform/clock';
import { silentLogger } from '../../services/log/logger';
import type { SecretBox } from '../../services/platform/secret-box';
import type { LifecycleService } from '../../services/lifecycle/service';
import type { CliIo } from '../io';
import { resolveDataDir } from './expiry';

export interface StoreSession {
  service: LifecycleService;
  close(): Promise<void>;
}

const WHY_NO_BOX = 'a terminal cannot reach the system keychain Key Holder seals secrets with';

/** Refuses every attempt to keep a secret: the terminal session keeps nothing at rest. */
export const terminalSecretBox: SecretBox = {
  isAvailable: () => false,
  unavailableReason: () => WHY_NO_BOX,
  encrypt() {
    throw new KeyholderError('store.no_secret_store', `Nothing secret is saved from a terminal: ${WHY_NO_BOX}.`);
  },
  decrypt() {
    throw new KeyholderError('store.no_secret_store', `Sealed secrets cannot be opened from a terminal: ${WHY_NO_BOX}.`);
  },
};

interface CloudChoice {
  deps: Pick<ServiceDeps, 'azure' | 'aws' | 'controlPlaneAgent' | 'environment'>;
  close(): Promise<void>;
}

function getJson(url: string, agent: https.Agent, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          if ((res.statusCode ?? 0) !== 200) throw new Error(`status ${res.statusCode}`);
          resolve(JSON.parse(text));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/**
 * The rehearsal cloud of this data folder. Its state remembers the port of the
 * last run: when a cloud answers there with this same state file (the app is
 * running), the command uses it, so two processes never write the same state.
 */
async function rehearsalCloud(dataDir: string, holder: 1 | 2, descriptorFile?: string): Promise<CloudChoice> {
  if (descriptorFile) {
    let d: RehearsalDescriptorWithControlPlane & { caCertPath?: string };
    try {
      d = JSON.parse(fs.readFileSync(descriptorFile, 'utf8').trim().split('\n')[0]!);
      if (!d.caCertPath || !Array.isArray(d.tenants)) throw new Error('not a descriptor');
    } catch {
      throw new KeyholderError('store.bad_cloud_descriptor', `${descriptorFile} is not the JSON line \`keyholder rehearsal-cloud\` prints.`);
    }
    const deps = rehearsalServiceDeps(d, fs.readFileSync(d.caCertPath, 'utf8'), { holder });
    return { deps, close: async () => deps.close() };
  }
  const cloudDir = path.join(dataDir, 'rehearsal-cloud');
  const stateFile = path.join(cloudDir, 'rehearsal-state.json');
  const caFile = path.join(cloudDir, 'rehearsal-ca.pem');
  if (!fs.existsSync(stateFile) || !fs.existsSync(caFile)) {
    throw new KeyholderError(
      'store.no_rehearsal_cloud',
      `There is no rehearsal cloud in ${dataDir}. Start Key Holder once (it creates one), point --data-dir at the app's data folder, give --cloud-descriptor FILE (the line \`keyholder rehearsal-cloud\` prints), or set KEYHOLDER_LIVE_CLIENT_ID for live Azure (docs/live-mode.md).`,
    );
  }
  const caPem = fs.readFileSync(caFile, 'utf8');
  let lastPort: number | undefined;
  try {
    lastPort = (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { lastPort?: number }).lastPort;
  } catch {
    lastPort = undefined;
  }
  if (typeof lastPort === 'number' && lastPort > 0) {
    const probe = rehearsalAgent(caPem);
    try {
      const d = (await getJson(`https://localhost:${lastPort}/.well-known/rehearsal-cloud`, probe, 3000)) as RehearsalDescriptorWithControlPlane & { kind?: string; stateFile?: string };
      if (d.kind === 'keyholder-rehearsal-cloud' && d.stateFile && path.resolve(d.stateFile) === path.resolve(stateFile)) {
        const deps = rehearsalServiceDeps(d, caPem, { holder });
        return { deps, close: async () => deps.close() };
      }
    } catch {
      // Nothing of ours listens there: the cloud is started for this command below.
    } finally {
      probe.destroy();
    }
  }
  const own = await startEmbeddedRehearsal({ dataDir, holder });
  const { azure, aws, controlPlaneAgent, environment } = own.deps;
  return { deps: { azure, ...(aws ? { aws } : {}), controlPlaneAgent, environment }, close: () => own.stop() };
}

async function chooseCloud(dataDir: string, io: CliIo, descriptorFile?: string): Promise<CloudChoice> {
  let live;
  try {
    live = liveSettingsFromEnv(io.env);
  } catch (e) {
    throw new KeyholderError('store.bad_live_settings', (e as Error).message);
  }
  const awsProfile = io.env.KEYHOLDER_AWS_PROFILE;
  const endpoint = kmsEndpointFromEnv(io.env);
  const aws = awsProfile ? { aws: { credentials: () => credentialsFromProfile(awsProfile), ...(endpoint ? { endpoint } : {}) } } : {};
  if (live) {
    const azure = liveAzureEndpoints(live);
    return { deps: { azure, ...aws, environment: { mode: 'live', description: `${azure.cloudLabel}, tenant ${live.tenantId ?? '(not set)'}` } }, close: async () => {} };
  }
  if (awsProfile) return { deps: { ...aws, environment: { mode: 'live', description: `AWS, profile ${awsProfile}` } }, close: async () => {} };
  return rehearsalCloud(dataDir, io.env.KEYHOLDER_REHEARSAL_HOLDER === '2' ? 2 : 1, descriptorFile);
}

/** Builds the lifecycle service for one invocation, signed in by device code with tokens in memory only. */
export async function openTerminalStoreSession(o: { dataDir?: string; io: CliIo; verb?: string; cloudDescriptor?: string }): Promise<StoreSession> {
  const { io } = o;
  const dataDir = resolveDataDir(o.dataDir, io);
  // Revoke, unrevoke, pull and restore are recorded in the signed transcript; its key is sealed by the
  // keychain this terminal cannot reach, so they are refused here, before anything reaches the vault.
  if (o.verb && o.verb !== 'status' && !terminalSecretBox.isAvailable()) {
    throw new KeyholderError(
      'store.transcript_unavailable',
      `keyholder store ${o.verb} must be recorded in this workstation's signed transcript, whose signing key is sealed in the system keychain; a terminal cannot reach that keychain. Nothing was changed. Use the "Key store lifecycle" screen in Key Holder; \`keyholder store status\` works from here.`,
    );
  }
  const cloud = await chooseCloud(dataDir, io, o.cloudDescriptor ? path.resolve(io.cwd, o.cloudDescriptor) : undefined);
  try {
    const services = createServices({
      ...cloud.deps,
      dataDir,
      secretBox: terminalSecretBox,
      signInMemoryOnly: true,
      clock: systemClock,
      log: silentLogger,
      appVersion: 'cli',
      emit: () => {},
    });
    // An AWS key store needs no Azure sign-in: the AWS credentials above are the holder's.
    if (services.awsKeyStore.record()?.state === 'done') {
      if (!cloud.deps.aws) throw new KeyholderError('store.no_aws_profile', 'This workstation’s key store is in AWS KMS. Set KEYHOLDER_AWS_PROFILE to your named profile (after `aws sso login` for IAM Identity Center) so the terminal can reach it.');
      return { service: services.lifecycle.keyStore, close: () => cloud.close() };
    }
    const identity = services.identity;
    const tenantId = cloud.deps.azure?.identity.defaultTenantId;
    if (!identity || !tenantId) {
      throw new KeyholderError('store.no_tenant', 'Set KEYHOLDER_LIVE_TENANT_ID to your directory (tenant) ID so the terminal knows where to sign you in (docs/live-mode.md).');
    }
    await identity.signIn({
      tenantId,
      method: 'device-code',
      onDeviceCode: (p) => io.err(`To sign in for this command, open ${p.verificationUri} and enter the code ${p.userCode} (valid until ${p.expiresAt}). Nothing is saved: the sign-in ends with the command.`),
    });
    return {
      service: services.lifecycle.keyStore,
      close: async () => {
        identity.cancelSignIn();
        await cloud.close();
      },
    };
  } catch (e) {
    await cloud.close();
    throw isKeyholderError(e) ? e : new KeyholderError('store.failed', `The command could not start: ${(e as Error).message}`);
  }
}
