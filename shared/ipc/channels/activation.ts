/**
 * Supervised activation over IPC. Passphrases cross inward only (typed by
 * the person whose turn it is) and are never echoed back; what comes back
 * is the non-secret view: step, who is expected, participants with key
 * fingerprints, check values.
 */
import { z } from 'zod';
import { channel } from '../define';

const session = z.string().min(1).max(100);
const passphrase = z.string().min(1).max(256);
const role = z.enum(['keeper', 'knower', 'supervisor', 'operator']);
const purposeKind = z.enum(['vault-import', 'escrow-restore', 'escrow-rewrap', 'key-rotation', 'key-material-extend']);

export const activationViewSchema = z.object({
  session,
  ceremony: z.string(),
  transcriptFile: z.string(),
  mode: z.enum(['split-knowledge', 'quorum', 'rewrap']),
  purpose: z.object({ kind: purposeKind, target: z.string() }),
  step: z.string(),
  waitingFor: role.nullable(),
  waitingWords: z.string(),
  participants: z.array(z.object({ id: z.string(), name: z.string(), role, keyFingerprint: z.string() })),
  checkValues: z.array(z.string()),
  copyFingerprint: z.string().nullable(),
  threshold: z.number().int().nullable(),
  custodians: z.array(z.object({ id: z.string(), name: z.string(), entered: z.boolean() })),
  /** A re-seal's key-holder copies, each entered by its own knower (empty for other activations). */
  copies: z.array(z.object({ id: z.string(), name: z.string(), entered: z.boolean() })),
  pendingKeeper: z.string().nullable(),
  /**
   * What the purpose reports: identifiers and yes/no facts only. Flat, short
   * values so that no purpose can ever hand key material (kilobytes of
   * base64) to the page, even by mistake.
   */
  result: z.record(z.string().max(64), z.union([z.string().max(300), z.number(), z.boolean(), z.null()])).nullable(),
  ended: z.object({ reason: z.string(), message: z.string() }).nullable(),
});

/**
 * The ceremony plan as the page sees it: names, roles and key fingerprints,
 * and the plan's own fingerprint (read aloud between workstations). `text`
 * is the plan to carry to the other key holder's workstation: public keys
 * and signatures only.
 */
const planViewSchema = z.object({
  fingerprint: z.string(),
  participants: z.array(z.object({ id: z.string(), name: z.string(), roles: z.array(role), keyFingerprint: z.string(), onThisWorkstation: z.boolean() })),
  workstations: z.array(z.object({ label: z.string(), keyFingerprint: z.string() })),
  text: z.string().max(65_536),
});

export const activationChannels = {
  'activation:plan': channel(z.object({}).strict(), planViewSchema),
  'activation:enrol': channel(
    z.object({ name: z.string().min(1).max(200), roles: z.array(role).min(1).max(4), participantPassphrase: passphrase }).strict(),
    planViewSchema,
  ),
  'activation:importPlan': channel(z.object({ text: z.string().min(1).max(65_536) }).strict(), planViewSchema),
  'activation:start': channel(
    z.object({
      mode: z.enum(['split-knowledge', 'quorum']),
      escrowFile: z.string().min(1).max(4096),
      purpose: z.object({ kind: purposeKind, target: z.string().min(1).max(300), holder: z.union([z.literal(1), z.literal(2)]).optional() }),
      ceremony: z.string().min(1).max(100).optional(),
    }).strict(),
    activationViewSchema,
  ),
  'activation:state': channel(z.object({ session }).strict(), activationViewSchema),
  'activation:join': channel(
    z.object({ session, role, name: z.string().min(1).max(200), participantPassphrase: passphrase, custodian: z.string().max(100).optional() }).strict(),
    activationViewSchema,
  ),
  'activation:presentCopy': channel(z.object({ session }).strict(), activationViewSchema),
  'activation:enterPassphrase': channel(z.object({ session, passphrase }).strict(), activationViewSchema),
  'activation:enterComponent': channel(z.object({ session, passphrase }).strict(), activationViewSchema),
  'activation:attest': channel(z.object({ session, participantPassphrase: passphrase }).strict(), activationViewSchema),
  'activation:carryOut': channel(z.object({ session }).strict(), activationViewSchema),
  'activation:cancel': channel(z.object({ session }).strict(), activationViewSchema),
  'activation:offer': channel(z.object({ session }).strict(), z.object({ offer: z.string(), qrSvg: z.string(), fingerprint: z.string() })),
  'activation:receiveSealed': channel(z.object({ session, sealed: z.string().min(1).max(8192) }).strict(), activationViewSchema),
  'activation:sealForRemote': channel(
    z.object({
      offer: z.string().min(1).max(4096),
      content: z.enum(['share', 'passphrase']),
      escrowFile: z.string().max(4096).optional(),
      custodian: z.number().int().min(1).max(16).optional(),
      secret: passphrase,
      name: z.string().min(1).max(200),
      participantPassphrase: passphrase,
    }).strict(),
    z.object({ sealed: z.string(), qrSvg: z.string().nullable(), checkValue: z.string(), offerFingerprint: z.string(), purpose: z.string() }),
  ),
} as const;
