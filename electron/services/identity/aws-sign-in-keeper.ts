/**
 * Key Holder's IAM Identity Center sign-in kept across restarts, sealed with
 * the SecretBox (Electron safeStorage in the app), as the Azure sign-in's
 * token cache is: the access token and its expiry, the refresh token AWS
 * gives a client registered for `sso:account:access`, the client
 * registration the refresh token needs, and the role the holder chose. Role
 * credentials are never kept (they come again from the access token).
 *
 * A refresh token lets anyone holding it act as the holder in their AWS
 * accounts, so there is no plain-text fallback: without a SecretBox nothing
 * is kept and signing in is refused. A sealed file that does not open (changed,
 * or sealed on another computer or by another user) is set aside, never
 * trusted, and the holder signs in again.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { KeyholderError } from '../../../shared/errors/index';
import type { SecretBox } from '../platform/secret-box';
import type { Logger } from '../log/logger';

const roleShape = z.object({ accountId: z.string(), accountName: z.string(), roleName: z.string() });

const keptShape = z.object({
  version: z.literal(1),
  /** The portal and Region it is for: a session of other settings is not used. */
  startUrl: z.string(),
  region: z.string(),
  registration: z.object({ clientId: z.string(), clientSecret: z.string(), expiresAt: z.number() }),
  tokens: z.object({ accessToken: z.string(), refreshToken: z.string().optional(), expiresAt: z.number() }),
  roles: z.array(roleShape),
  role: roleShape.nullable(),
});

type KeptAwsSignIn = Omit<z.infer<typeof keptShape>, 'version'>;

type LoadedAwsSignIn = { session: KeptAwsSignIn } | { problem: string } | null;

export interface AwsSignInKeeper {
  /** Null when the box can keep a sign-in; else why not (in a holder's words). */
  unavailable(): string | null;
  /** The kept sign-in, a problem to tell the holder (they are signed out), or null when none is kept. */
  load(): LoadedAwsSignIn;
  /** Seals and writes the sign-in; refused (nothing written) when the box is unavailable. */
  save(s: KeptAwsSignIn): void;
  /** Forgets the kept sign-in (sign-out, expiry, other settings). */
  drop(): void;
}

export function awsSignInStoreUnavailable(why: string): KeyholderError {
  return new KeyholderError(
    'aws.secret_store_unavailable',
    `Key Holder cannot keep your AWS sign-in safely: ${why}. Nothing was saved and you stay signed out. Unlock or set up the system keychain, then sign in again.`,
  );
}

/** The kept sign-in in `file`, sealed with `box`. */
export function sealedAwsSignIn(box: SecretBox, file: string, log: Logger): AwsSignInKeeper {
  // The box's reason is a sentence of its own; the messages below continue after it.
  const why = () => (box.unavailableReason?.() ?? 'this computer offers no protected storage for secrets').replace(/\.\s*$/, '');
  const setAside = (): string => {
    const kept = `${file}.unreadable-${Date.now()}`;
    try {
      fs.renameSync(file, kept);
    } catch {
      fs.rmSync(file, { force: true, recursive: true });
    }
    return kept;
  };
  return {
    unavailable: () => (box.isAvailable() ? null : why()),
    load() {
      if (!fs.existsSync(file)) return null;
      if (!box.isAvailable()) return { problem: `Your AWS sign-in is kept sealed on this computer, but Key Holder cannot open it: ${why()}. You are signed out; sign in again once the keychain is available.` };
      let parsed: ReturnType<typeof keptShape.safeParse>;
      try {
        parsed = keptShape.safeParse(JSON.parse(box.decrypt(new Uint8Array(fs.readFileSync(file)))));
      } catch {
        parsed = { success: false } as ReturnType<typeof keptShape.safeParse>;
      }
      if (!parsed.success) {
        setAside();
        log.warn('kept AWS sign-in could not be opened; set aside');
        return { problem: 'Your kept AWS sign-in could not be opened (it was changed, or sealed on another computer or by another user). It was not used and has been set aside: sign in to AWS again.' };
      }
      const { version: _version, ...session } = parsed.data;
      return { session };
    },
    save(s) {
      if (!box.isAvailable()) throw awsSignInStoreUnavailable(why());
      const sealed = box.encrypt(JSON.stringify({ version: 1, ...s }));
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      fs.writeFileSync(tmp, sealed, { mode: 0o600 });
      fs.renameSync(tmp, file);
    },
    drop() {
      fs.rmSync(file, { force: true });
    },
  };
}
