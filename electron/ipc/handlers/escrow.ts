import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import path from 'node:path';
import { describeScrypt } from '../../../shared/escrow/kdf-profiles';
import { describeKeyType } from '../../../shared/escrow/format';
import { KeyholderError } from '../../../shared/errors/index';
import { checkValue, groupFingerprint } from '../../../shared/keys/fingerprint';
import { DEFAULT_RSA_SIZE, RSA_SIZES } from '../../services/keys/source-key';

type EscrowChannel =
  | 'escrow:defaults'
  | 'escrow:start'
  | 'escrow:status'
  | 'escrow:setCustodians'
  | 'escrow:assess'
  | 'escrow:enterPassphrase'
  | 'escrow:write'
  | 'escrow:testRestore'
  | 'escrow:sheet'
  | 'escrow:holderCopy'
  | 'escrow:close'
  | 'escrow:inspect';

export function escrowHandlers(s: Services): Pick<Handlers, EscrowChannel> {
  const e = s.escrow;
  return {
    'escrow:defaults': async () => ({
      sizes: [...RSA_SIZES],
      defaultSize: DEFAULT_RSA_SIZE,
      sizeReason:
        '3072 bits is recommended: about 128-bit strength, the level NIST expects to remain adequate beyond 2030, and accepted by Azure Key Vault. 2048 bits (112-bit) is the minimum Azure accepts; 4096 bits is slower for every wrap and unwrap for little practical gain.',
      kdf: describeScrypt(e.kdfProfile.escrow),
      pemKdf: describeScrypt(e.kdfProfile.pem),
      keyStore: s.awsActive() ? ('aws-kms' as const) : ('azure-key-vault' as const),
    }),
    // The key for the key store the settings choose: a 256-bit AES key for AWS KMS (the size is then not asked), RSA for Azure.
    'escrow:start': async (r) => s.ceremonyOps.startEscrow({ modulusBits: r.modulusBits, ...(r.purpose ? { purpose: r.purpose } : {}), ...(s.awsActive() ? { keyStore: 'aws-kms' as const } : {}) }),
    'escrow:status': async (r) => e.status(r.sessionId),
    'escrow:setCustodians': (r) => e.setCustodians(r.sessionId, r.names, r.threshold),
    'escrow:assess': async (r) => e.assessPassphrase(r.passphrase, r.context ?? []),
    'escrow:enterPassphrase': (r) => e.enterPassphrase(r.sessionId, r.index, r.passphrase),
    'escrow:write': async (r) => s.ceremonyOps.writeEscrow(r.sessionId),
    'escrow:testRestore': async (r) => s.ceremonyOps.testRestore(r.sessionId, r.index, r.passphrase),
    'escrow:sheet': async (r) => ({ html: await e.restoreSheet(r.sessionId) }),
    'escrow:holderCopy': async (r) => s.ceremonyOps.writeHolderCopy(r.sessionId, r.label, r.passphrase),
    'escrow:close': async (r) => {
      e.closeCeremony(r.sessionId);
      return {};
    },
    'escrow:inspect': async (r) => {
      // The page names a file only because the system asked Key Holder to open it; never let it read anything else.
      if (!path.isAbsolute(r.file) || path.extname(r.file).toLowerCase() !== '.khescrow') {
        throw new KeyholderError('escrow.not_escrow', 'Key Holder can only inspect escrow files (their names end in .khescrow). Open the escrow file itself.');
      }
      const info = await e.inspect(r.file);
      return {
        file: info.file,
        sha256: info.sha256,
        keys: info.header.keys.map((k) => ({
          keyId: k.keyId,
          fingerprintGrouped: groupFingerprint(k.fingerprint),
          checkValue: checkValue(k.fingerprint),
          keyKind: describeKeyType(k),
          rehearsal: k.environment === 'rehearsal',
          created: k.created,
          purpose: k.purpose,
          threshold: k.policy.threshold,
          custodians: k.custodians.map((c) => ({ index: c.index, name: c.name, kdf: describeScrypt(c.kdf) })),
        })),
      };
    },
  };
}
