/**
 * Channels of the control-plane step: connect (pin the sealing key), vault
 * registration, preview and sealed submission, receipts, status. Secrets only
 * travel towards the Node side (the enrolment token, an optional client
 * secret typed at submission); answers never contain them.
 */
import { z } from 'zod';
import { channel, empty } from '../define';
import { environmentStatusSchema, registrationSchema, validationOutcomeSchema } from '../../control-plane/api';

const holderNo = z.union([z.literal(1), z.literal(2)]);

const connectionViewSchema = z.object({
  connected: z.boolean(),
  baseUrl: z.string().optional(),
  controlPlaneId: z.string().optional(),
  name: z.string().optional(),
  fingerprint: z.string().optional(),
  fingerprintDisplay: z.string().optional(),
  environmentId: z.string().optional(),
  holder: holderNo.optional(),
  secretStorage: z.object({ available: z.boolean(), reason: z.string().optional() }),
});

const importGateSchema = z.object({ allowed: z.boolean(), via: z.enum(['registered', 'out_of_band']).nullable(), reason: z.string() });

const localReceiptSchema = z.object({
  kind: z.enum(['key-store-submission', 'credential-update']),
  submissionId: z.string(),
  envelopeSha256: z.string(),
  receivedAt: z.string(),
  sentAt: z.string(),
  holder: holderNo,
});

/** A closed ceremony's final hash as the control plane acknowledged it. */
const localCeremonyRecordSchema = z.object({
  ceremonyId: z.string(),
  finalHash: z.string(),
  entries: z.number(),
  closedAt: z.string(),
  recordId: z.string(),
  receivedAt: z.string(),
  sha256: z.string(),
  sentAt: z.string(),
  holder: holderNo,
});

export const controlPlaneViewSchema = z.object({
  mode: z.enum(['rehearsal', 'live']),
  connection: connectionViewSchema,
  registration: registrationSchema.nullable(),
  importGate: importGateSchema,
  receipts: z.array(localReceiptSchema),
  status: environmentStatusSchema.nullable(),
  /** Ceremony records kept beside the submission receipts, and the IDs of closed ceremonies not yet sent. */
  ceremonyRecords: z.array(localCeremonyRecordSchema).optional(),
  pendingCeremonyRecords: z.array(z.string()).optional(),
});
export type ControlPlaneView = z.infer<typeof controlPlaneViewSchema>;

const previewSchema = z.object({
  destination: z.object({ baseUrl: z.string(), controlPlaneId: z.string(), name: z.string(), fingerprint: z.string(), fingerprintDisplay: z.string() }),
  environmentId: z.string(),
  holder: holderNo,
  rows: z.array(
    z.object({
      field: z.string(),
      label: z.string(),
      worksheetLine: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.null()]),
      value: z.string(),
      masked: z.boolean(),
    }),
  ),
  envelopeHeader: z.record(z.string(), z.union([z.string(), z.number()])),
});

/** Where the values come from: the saved worksheet, optionally with the secret typed now (when this computer holds none). */
const submissionSource = z.object({ clientSecret: z.string().min(1).max(1024).optional() }).strict();

export const controlPlaneChannels = {
  'control-plane:view': channel(empty, controlPlaneViewSchema),
  'control-plane:connect': channel(
    z.object({ baseUrl: z.string().min(1).max(2048), expectedFingerprint: z.string().min(1).max(200), enrolmentToken: z.string().min(1).max(512) }).strict(),
    controlPlaneViewSchema,
  ),
  'control-plane:forget': channel(empty, controlPlaneViewSchema),
  'control-plane:register': channel(z.object({ vaultDnsName: z.string().min(1).max(300) }).strict(), controlPlaneViewSchema),
  'control-plane:refresh-registration': channel(empty, controlPlaneViewSchema),
  'control-plane:record-out-of-band': channel(
    z.object({ vaultDnsName: z.string().min(1).max(300), reference: z.string().max(300), confirmedBy: z.string().max(200) }).strict(),
    controlPlaneViewSchema,
  ),
  'control-plane:preview': channel(submissionSource, previewSchema),
  'control-plane:submit': channel(submissionSource, z.object({ receipt: localReceiptSchema, validation: validationOutcomeSchema, view: controlPlaneViewSchema })),
  'control-plane:status': channel(z.object({ refresh: z.boolean().default(false) }).strict(), controlPlaneViewSchema),
  'control-plane:update-credentials': channel(
    z.object({ applicationId: z.string().max(100).optional(), clientSecret: z.string().min(1).max(1024), secretExpiresOn: z.string().min(10).max(40) }).strict(),
    z.object({ receipt: localReceiptSchema, view: controlPlaneViewSchema }),
  ),
};

export const controlPlaneEvents = {
  'control-plane:changed': z.object({ topic: z.enum(['registration', 'status', 'submission']) }),
};
