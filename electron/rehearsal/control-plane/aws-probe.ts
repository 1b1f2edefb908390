/**
 * The vendor's side of an AWS KMS pair: proof that two holders' KMS keys were
 * loaded from the same escrowed key, and the primary key's status, with the
 * vendor role's own credentials through the official @aws-sdk/client-kms.
 *
 * KMS ciphertexts name the key that made them, so the cross-decryption the
 * Azure pair uses is impossible. Instead each holder imports, beside the
 * encryption key, a companion HMAC_256 key whose material is
 * HKDF-SHA-256(escrowed key, "keyholder/aws-kms/companion-hmac/v1"); the
 * vendor role may call GenerateMac on it. The probe asks both companions for
 * the MAC of the same fresh random message: equal MACs mean both companions
 * hold the same material, hence both holders imported from the same escrowed
 * key. What it does not prove (docs/aws-kms.md): that the encryption keys hold
 * that key (only each holder's import receipt says so), nor anything once a
 * holder re-imports other material into a new key.
 */
import crypto from 'node:crypto';
import type https from 'node:https';
import { DescribeKeyCommand, GenerateMacCommand, KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface AwsKeyStoreAccess {
  keyArn: string;
  companionArn: string;
}

export interface AwsProbeOptions {
  credentials: KMSClientConfig['credentials'];
  /** Any KMS-compatible endpoint; a function when it is known only later (the rehearsal cloud's port after listen). */
  endpoint?: string | (() => string);
  agent?: https.Agent;
}

export type AwsPairProof = { same: true; message: string } | { same: false; reason: 'macs_differ' | 'not_companion' | 'refused'; detail: string };

function regionOf(arn: string): string {
  const m = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\//.exec(arn);
  if (!m) throw new Error(`not a KMS key ARN: ${arn}`);
  return m[1]!;
}

export class AwsKmsSamenessProbe {
  private readonly clients = new Map<string, KMSClient>();

  constructor(private readonly o: AwsProbeOptions) {}

  private client(arn: string): KMSClient {
    const region = regionOf(arn);
    let c = this.clients.get(region);
    if (!c) {
      c = new KMSClient({
        region,
        credentials: this.o.credentials,
        ...(this.o.endpoint ? { endpoint: typeof this.o.endpoint === 'function' ? this.o.endpoint() : this.o.endpoint } : {}),
        ...(this.o.agent ? { requestHandler: new NodeHttpHandler({ httpsAgent: this.o.agent }) } : {}),
        maxAttempts: 2,
      });
      this.clients.set(region, c);
    }
    return c;
  }

  async provePair(a: AwsKeyStoreAccess, b: AwsKeyStoreAccess): Promise<AwsPairProof> {
    if (a.keyArn === b.keyArn || a.companionArn === b.companionArn) return { same: false, reason: 'not_companion', detail: 'Both holders named the same key: a pair needs two keys.' };
    const message = crypto.randomBytes(32);
    const macs: Buffer[] = [];
    for (const ks of [a, b]) {
      try {
        const meta = (await this.client(ks.companionArn).send(new DescribeKeyCommand({ KeyId: ks.companionArn }))).KeyMetadata!;
        if (meta.KeySpec !== 'HMAC_256' || meta.Origin !== 'EXTERNAL') return { same: false, reason: 'not_companion', detail: `${ks.companionArn} is not an imported HMAC_256 key.` };
        const r = await this.client(ks.companionArn).send(new GenerateMacCommand({ KeyId: ks.companionArn, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
        macs.push(Buffer.from(r.Mac!));
      } catch (e) {
        return { same: false, reason: 'refused', detail: `${ks.companionArn}: ${(e as { name?: string }).name ?? 'error'}` };
      }
    }
    return crypto.timingSafeEqual(macs[0]!, macs[1]!) ? { same: true, message: message.toString('hex') } : { same: false, reason: 'macs_differ', detail: 'The companion keys answer with different MACs: the holders did not import the same escrowed key.' };
  }

  /** The key as the vendor role sees it (state, spec, origin), or the refusal's name (AccessDeniedException, NotFoundException, ...). */
  async describe(keyArn: string): Promise<{ ok: true; state: string; keySpec: string; origin: string } | { ok: false; error: string }> {
    try {
      const m = (await this.client(keyArn).send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata!;
      return { ok: true, state: m.KeyState ?? 'Unknown', keySpec: m.KeySpec ?? 'Unknown', origin: m.Origin ?? 'Unknown' };
    } catch (e) {
      return { ok: false, error: (e as { name?: string }).name ?? 'Unavailable' };
    }
  }

  /** The primary key's state as the vendor sees it (Enabled, Disabled, PendingDeletion, PendingImport) or the refusal's name. */
  async status(keyArn: string): Promise<string> {
    try {
      return (await this.client(keyArn).send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata!.KeyState ?? 'Unknown';
    } catch (e) {
      return (e as { name?: string }).name ?? 'Unavailable';
    }
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
  }
}
