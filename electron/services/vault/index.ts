/** The vault import service as the composition root builds it. */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../platform/clock';
import type { Logger } from '../log/logger';
import type { WorksheetService } from '../worksheet/service';
import type { AzureEndpoints } from '../identity/index';
import type { IdentityService } from '../identity/identity-service';
import { notConfigured } from '../identity/index';
import { AzureKeyVaultProvider } from './azure-key-vault';
import { VaultService } from './vault-service';
import { worksheetLine2 } from './worksheet-line2';

export { VaultService } from './vault-service';

export function createVaultService(deps: {
  dataDir: string;
  clock: Clock;
  log: Logger;
  azure?: AzureEndpoints;
  identity: IdentityService | null;
  worksheet: WorksheetService;
}): VaultService {
  let provider: AzureKeyVaultProvider | null = null;
  return new VaultService({
    dataDir: deps.dataDir,
    clock: deps.clock,
    log: deps.log,
    provider: () => {
      if (!deps.azure || !deps.identity) throw notConfigured();
      provider ??= new AzureKeyVaultProvider({
        credential: deps.identity.credential(),
        vaultSuffixes: deps.azure.vaultSuffixes,
        ...(deps.azure.agent ? { agent: deps.azure.agent } : {}),
        ...(deps.azure.kekSize ? { kekSize: deps.azure.kekSize } : {}),
        ...(deps.azure.retryOptions ? { retryOptions: deps.azure.retryOptions } : {}),
      });
      return provider;
    },
    worksheet: worksheetLine2(deps.worksheet),
  });
}

/** Key-holder copies this workstation made during the escrow ceremony (suggestions for the file field). */
export function findHolderCopies(dataDir: string): string[] {
  return ceremonyFiles(dataDir, /^holder-.*\.khescrow$/);
}

/** The custodians' escrow files this workstation wrote in the escrow ceremony, beside its key-holder copies (a key rotation's re-seal proposes them). */
export function findEscrowFiles(dataDir: string): string[] {
  return ceremonyFiles(dataDir, /^escrow-.*\.khescrow$/);
}

function ceremonyFiles(dataDir: string, name: RegExp): string[] {
  const root = path.join(dataDir, 'ceremony', 'escrow');
  const out: string[] = [];
  try {
    for (const d of fs.readdirSync(root)) {
      for (const f of fs.readdirSync(path.join(root, d))) if (name.test(f)) out.push(path.join(root, d, f));
    }
  } catch {
    // No ceremony folder yet.
  }
  return out.sort();
}
