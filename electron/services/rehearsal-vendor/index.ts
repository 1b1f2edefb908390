/**
 * In a rehearsal nobody else plays the vendor, so the app does: it shows the
 * values the vendor would send the key holder (the control plane's address,
 * its sealing-key fingerprint, an enrolment token) and the rehearsal app
 * registration's ID and secret the worksheet needs, and it approves the
 * holder's vault registration through the rehearsal control plane's admin API
 * when the holder asks. The composition root gives this service its
 * configuration only for the embedded rehearsal cloud (services/cloud/
 * rehearsal-deps.ts); createServices builds it only in rehearsal mode, so a
 * live workstation has no vendor to play and nothing of this reaches its
 * screens.
 */
import type https from 'node:https';
import { z } from 'zod';
import { KeyholderError } from '../../../shared/errors/index';
import { createEnrolmentResponseSchema, registrationListSchema, registrationSchema, type Registration } from '../../../shared/control-plane/api';
import { httpsTransport, requestJson, type Transport } from '../control-plane/http';

/** What the rehearsal cloud's descriptor tells the composition root (rehearsal only). */
export interface RehearsalVendorConfig {
  controlPlaneUrl: string;
  /** `sha256:…`, as the vendor would send it out of band. */
  controlPlaneFingerprint: string;
  /** The vendor's bearer token for /admin/*: stays in this process. */
  adminToken: string;
  holder: 1 | 2;
  /** The holder's rehearsal tenant, app registration (with its seeded secret while it exists) and vault. */
  tenantId: string;
  app: { clientId: string; clientSecret?: string } | null;
  vaultHost: string | null;
  agent: https.Agent;
}

export interface RehearsalVendorValues {
  holder: 1 | 2;
  controlPlane: { baseUrl: string; fingerprint: string; enrolmentToken: string; environmentId: string };
  worksheet: { vaultHost: string | null; tenantId: string; clientId: string | null; clientSecret: string | null };
}

export interface RehearsalVendor {
  /** The vendor's message to this holder, and the rehearsal tenant's values for the worksheet. */
  values(): Promise<RehearsalVendorValues>;
  /** Approves this holder's pending registration as the vendor would after checking the vault's name. */
  approveRegistration(registrationId: string): Promise<Registration>;
}

/** Both rehearsal holders enrol in one environment, so their submissions make one primary key. */
const REHEARSAL_ENVIRONMENT_ID = 'rehearsal';

export function createRehearsalVendor(c: RehearsalVendorConfig, transport: Transport = httpsTransport(c.agent, 15_000)): RehearsalVendor {
  let enrolment: Promise<string> | null = null;
  const admin = <T>(method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, json?: unknown) =>
    requestJson(transport, method, `${c.controlPlaneUrl}${path}`, schema, { token: c.adminToken, ...(json !== undefined ? { json } : {}) });

  // One enrolment per run of the app: the token is not single-use, so asking again would only leave more enrolments behind.
  const enrolmentToken = () =>
    (enrolment ??= admin('POST', '/admin/enrolments', createEnrolmentResponseSchema, { environmentId: REHEARSAL_ENVIRONMENT_ID, holder: c.holder, primaryKeyName: 'Rehearsal primary key' })
      .then((r) => r.token)
      .catch((e: unknown) => {
        enrolment = null;
        throw e;
      }));

  return {
    async values() {
      return {
        holder: c.holder,
        controlPlane: { baseUrl: c.controlPlaneUrl, fingerprint: c.controlPlaneFingerprint, enrolmentToken: await enrolmentToken(), environmentId: REHEARSAL_ENVIRONMENT_ID },
        worksheet: { vaultHost: c.vaultHost, tenantId: c.tenantId, clientId: c.app?.clientId ?? null, clientSecret: c.app?.clientSecret ?? null },
      };
    },
    async approveRegistration(registrationId) {
      const { registrations } = await admin('GET', '/admin/registrations', registrationListSchema);
      const reg = registrations.find((r) => r.registrationId === registrationId);
      // The vendor approves only what this holder asked for; anything else is not this workstation's to decide.
      if (!reg || reg.holder !== c.holder) {
        throw new KeyholderError('rehearsal.registration_unknown', 'The rehearsal vendor has no registration request of yours with that ID. Request the registration again, then approve it.');
      }
      if (reg.status !== 'pending') return reg;
      return admin('POST', `/admin/registrations/${encodeURIComponent(registrationId)}/approve`, registrationSchema, {});
    },
  };
}
