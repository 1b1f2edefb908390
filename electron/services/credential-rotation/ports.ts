/**
 * The real `CredentialRotationPorts`: Graph on the holder's delegated token, the sealed
 * credential update through the control-plane client, the old secret tried
 * with a client-credentials sign-in, and worksheet line 4 through the
 * worksheet service. One set of ports per rotation (it knows the rotation's
 * id, the holder and the tenant).
 */
import type https from 'node:https';
import * as msal from '@azure/msal-node';
import { KeyholderError, isKeyholderError } from '../../../shared/errors/index';
import { checkRequestedEnd, lifetimeRule } from '../../../shared/expiry/policy';
import { trackedItemId } from '../../../shared/expiry/model';
import type { CredentialRotationPorts } from '../../../shared/expiry/credential-rotation-runner';
import type { HolderNo } from '../../../shared/worksheet/model';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import type { IdentityService } from '../identity/identity-service';
import type { ControlPlaneService } from '../control-plane/service';
import type { WorksheetService } from '../worksheet/service';
import type { ExpiryService } from '../expiry/expiry-service';
import { expiryFiles, graphItemsFileSchema, lineFourSubject } from '../expiry/tracked-items-source';
import { readFileOrNull, writeFileAtomic } from '../expiry/atomic-file';
import { agentNetworkClient } from '../identity/network';
import type { GraphClient } from './graph-client';
import type { SecretKeeper } from './kept-secret';

export interface PortDeps {
  rotationId: string;
  holder: HolderNo;
  /** The ceremony name the expiry dashboard uses for this worksheet. */
  ceremony: string;
  tenantId: string;
  graph: GraphClient;
  identity: IdentityService;
  controlPlane: ControlPlaneService;
  worksheet: WorksheetService;
  expiry: ExpiryService;
  keeper: SecretKeeper;
  clock: Clock;
  log: Logger;
  dataDir: string;
  /** Entra's host for the old-secret proof (the identity config's authority host). */
  authorityHost: string;
  knownAuthorities?: string[];
  agent?: https.Agent;
  /** Scope asked for in the old-secret proof; any resource will do, Entra checks the secret first. */
  proofScope: string;
}

const holderKey = (h: HolderNo) => (h === 1 ? 'holder1' : 'holder2') as 'holder1' | 'holder2';

export function createCredentialRotationPorts(d: PortDeps): CredentialRotationPorts {
  const objectIds = new Map<string, string>();
  const objectId = async (appId: string) => {
    const known = objectIds.get(appId);
    if (known) return known;
    const app = await d.graph.getApplication(appId);
    objectIds.set(appId, app.id);
    return app.id;
  };

  return {
    async signIn() {
      const active = await d.identity.activeAccount();
      if (active && active.tenantId === d.tenantId.toLowerCase()) {
        await d.identity.graphToken(d.tenantId);
        return active.username;
      }
      const account = await d.identity.signIn({ tenantId: d.tenantId, method: 'browser' });
      return account.username;
    },

    async listPasswords(appId) {
      return (await d.graph.getApplication(appId)).passwordCredentials;
    },

    async addPasswordAndKeep(appId, displayName, endDateTime, rotationId) {
      // Checked before Azure is touched: a secret that cannot be kept, or a lifetime the tenant refuses, adds nothing.
      d.keeper.requireAvailable();
      const app = await d.graph.getApplication(appId);
      objectIds.set(appId, app.id);
      const rule = lifetimeRule({ tenantDefault: await d.graph.tenantPolicy(), appPolicies: await d.graph.appPolicies(app.id), appCreatedAt: app.createdDateTime ?? null }, d.clock.now());
      checkRequestedEnd(rule, d.clock.now(), new Date(endDateTime));
      const added = await d.graph.addPassword(app.id, appId, displayName, endDateTime);
      d.keeper.keep(rotationId, added.keyId, added.secretText);
      d.log.info('rotation: new secret added and kept', { rotationId, keyId: added.keyId });
      return { keyId: added.keyId, displayName: added.displayName ?? displayName, endDateTime: added.endDateTime };
    },

    async removePassword(appId, keyId) {
      await d.graph.removePassword(await objectId(appId), appId, keyId);
      d.log.info('rotation: secret removed', { rotationId: d.rotationId, keyId });
    },

    async submitCredentials(rotationId, appId, newKeyId) {
      const view = await d.worksheet.get();
      const current = view[holderKey(d.holder)].clientId.trim().toLowerCase();
      const clientSecret = d.keeper.open(rotationId, newKeyId);
      const endDateTime = (await d.graph.getApplication(appId)).passwordCredentials.find((p) => p.keyId === newKeyId)?.endDateTime;
      if (!endDateTime) throw new KeyholderError('rotation.secret_missing', 'The new secret is no longer on the application in Azure. Continue the rotation: Key Holder adds a fresh one.');
      try {
        const receipt = await d.controlPlane.updateCredentials({ ...(appId.toLowerCase() !== current ? { applicationId: appId } : {}), clientSecret, secretExpiresOn: endDateTime });
        return { requestId: receipt.submissionId };
      } catch (e) {
        if (!isKeyholderError(e)) throw e;
        if (e.code === 'control_plane.credentials_rejected') throw new KeyholderError('control_plane.rejected', e.message);
        if (e.code === 'control_plane.unreachable' || e.code === 'control_plane.tls' || e.code === 'control_plane.http_error') {
          throw new KeyholderError(
            'rotation.control_plane_unreachable',
            'The vendor’s control plane could not be reached, so the new credentials were not delivered. Nothing is lost: the new secret stays sealed on this computer and the old one keeps working. Try again later.',
          );
        }
        throw e;
      }
    },

    async confirmation(requestId) {
      // The control plane answers a credential update only after it unwrapped a canary in the vault with the new credentials (`verified: true`).
      const receipt = d.controlPlane.receipts().find((r) => r.kind === 'credential-update' && r.submissionId === requestId);
      if (!receipt) {
        throw new KeyholderError('rotation.confirmation_missing', 'Key Holder has no receipt from the control plane for the new credentials. Continue the rotation to send them again.');
      }
      return { status: 'confirmed', at: receipt.receivedAt };
    },

    async oldSecretFails(appId, keyId) {
      let oldText: string | undefined;
      try {
        oldText = await d.worksheet.revealSecret(d.holder);
      } catch {
        oldText = undefined;
      }
      const listed = (await d.graph.getApplication(appId)).passwordCredentials;
      if (listed.some((p) => p.keyId === keyId)) return false;
      if (!oldText) return true; // No text to try: Graph's word that the credential is gone is all there is.
      const cca = new msal.ConfidentialClientApplication({
        auth: { clientId: appId, clientSecret: oldText, authority: `${d.authorityHost.replace(/\/$/, '')}/${d.tenantId}`, ...(d.knownAuthorities ? { knownAuthorities: d.knownAuthorities } : {}) },
        system: { ...(d.agent ? { networkClient: agentNetworkClient(d.agent) } : {}), loggerOptions: { piiLoggingEnabled: false, logLevel: msal.LogLevel.Error, loggerCallback: () => {} } },
      });
      try {
        await cca.acquireTokenByClientCredential({ scopes: [d.proofScope], skipCache: true });
        // The worksheet held another of the app's secrets (the holder replaced a different one): it rightly still works.
        if (listed.some((p) => p.hint === oldText!.slice(0, 3))) return true;
        return false;
      } catch (e) {
        const text = `${(e as { errorCode?: string }).errorCode ?? ''} ${(e as Error).message ?? ''}`;
        if (/AADSTS7000215|AADSTS7000222|invalid_client/.test(text)) return true;
        throw new KeyholderError('rotation.proof_unreachable', 'Key Holder could not reach Entra ID to check that the old secret no longer signs in. Try again when the network is back; nothing is lost.');
      }
    },

    async updateWorksheet(appId, newKeyId, expiresAt) {
      const text = d.keeper.open(d.rotationId, newKeyId);
      const view = await d.worksheet.get();
      const fields = (h: HolderNo) => {
        const { secret: _s, ...rest } = view[holderKey(h)];
        return rest;
      };
      const mine = { ...fields(d.holder), clientId: appId, secretCreatedOn: d.clock.now().toISOString().slice(0, 10), secretExpiresOn: expiresAt.slice(0, 10) };
      const other: HolderNo = d.holder === 1 ? 2 : 1;
      const saved = await d.worksheet.save({
        [holderKey(d.holder)]: { ...mine, secret: { action: 'set', value: text } },
        [holderKey(other)]: { ...fields(other), secret: { action: 'keep' } },
      } as Parameters<WorksheetService['save']>[0]);
      const notSaved = saved.notices.find((n) => n.code === 'worksheet.secret_not_saved');
      if (notSaved) throw new KeyholderError('rotation.worksheet_not_saved', notSaved.message);
      // The last Graph refresh still lists the old secret's date for this app: drop it so the new date counts until the next refresh.
      const graphFile = expiryFiles(d.dataDir).graphItems;
      const raw = readFileOrNull(graphFile);
      if (raw !== null) {
        const parsed = graphItemsFileSchema.safeParse(JSON.parse(raw));
        if (parsed.success) {
          const holderName = `holder-${d.holder}`;
          const items = parsed.data.items.filter((i) => !(i.holder === holderName && (i.subject === lineFourSubject(appId) || i.kind === 'app-credential')));
          writeFileAtomic(graphFile, JSON.stringify({ ...parsed.data, items }, null, 2) + '\n');
        }
      }
      await d.expiry.resetReminders(trackedItemId({ kind: 'client-secret', ceremony: d.ceremony, holder: `holder-${d.holder}`, subject: lineFourSubject(appId) }));
    },
  };
}
