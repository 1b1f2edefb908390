import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { findHolderCopies } from '../../services/vault/index';
import { copiesForKeyStore } from '../../services/escrow/holder-copy';
import { awsImportTarget } from '../../services/vault/aws-kms/import-purpose';
import type { AwsImportDraft } from '../../services/vault/aws-kms/key-store-service';
import { CACHE_TIME, parseKeyArn } from '../../../shared/worksheet/aws';
import { KeyholderError } from '../../../shared/errors/index';
import type { RequestOf } from '../../../shared/ipc/contract';
import { guardImportStart, ownHolder } from './vault';
import type { PolicyProposal } from '../../services/vault/aws-kms/provider';

type AwsChannels =
  | 'aws:status'
  | 'aws:startSignIn'
  | 'aws:waitSignIn'
  | 'aws:cancelSignIn'
  | 'aws:useRole'
  | 'aws:signOut'
  | 'aws:worksheet'
  | 'aws:saveWorksheet'
  | 'aws:state'
  | 'aws:saveDraft'
  | 'aws:startImport'
  | 'aws:policy'
  | 'aws:applyPolicy';

const shown = (p: PolicyProposal) => ({ keyArn: p.keyArn, currentPolicy: p.currentPolicy, currentSha256: p.currentSha256, proposedPolicy: p.proposedPolicy, lines: p.lines, widened: p.plan.widened, unchanged: p.plan.unchanged });
const both = (x: { primary: PolicyProposal; companion: PolicyProposal }) => ({ primary: shown(x.primary), companion: shown(x.companion) });

const DAY_MS = 86_400_000;

/**
 * The key store's draft from what the import form holds and what this
 * workstation knows: the Region it signs in to, the account of the named key
 * or of the chosen role, and the vendor's role and cache time from the
 * holder's line of the AWS worksheet.
 */
function keyStoreDraft(s: Services, r: RequestOf<'aws:saveDraft'>): AwsImportDraft {
  const st = s.aws.signInStatus();
  if (!st.region) throw new KeyholderError('aws.not_configured', st.problem ?? 'Choose AWS KMS as the key store in Settings first.');
  const line = s.aws.worksheet()[`${r.holder}`];
  if (!line?.vendorRoleArn.trim()) {
    throw new KeyholderError('aws.no_vendor_role', `Fill in key holder ${r.holder}’s line of the AWS worksheet first (the vendor’s role ARN and the cache time): the key policy and the vendor need them.`);
  }
  const keyArn = r.keyArn.trim();
  const named = keyArn ? parseKeyArn(keyArn) : null;
  if (named && named.region !== st.region) throw new KeyholderError('aws.wrong_region', `The key is in ${named.region} but Key Holder signs in to ${st.region}. Change the Region in Settings or name a key in ${st.region}.`);
  const accountId = named?.accountId ?? st.status.role?.accountId;
  if (!accountId) throw new KeyholderError('aws.role_not_chosen', 'Sign in to AWS and choose the account and role you manage the key with (or name your pending key).');
  const validTo = r.validTo.trim();
  if (validTo) {
    const t = Date.parse(validTo);
    const now = s.deps.clock.now().getTime();
    if (Number.isNaN(t) || t <= now) throw new KeyholderError('aws.bad_valid_to', 'The expiry date of the key material must be in the future, or choose "does not expire".');
    if (t > now + 365 * DAY_MS) throw new KeyholderError('aws.bad_valid_to', 'AWS lets imported key material expire at most 365 days ahead. Choose an earlier date, or "does not expire".');
  }
  const holderCopyPath = r.holderCopyPath.trim();
  return {
    holder: r.holder,
    accountId,
    region: st.region,
    vendorRoleArn: line.vendorRoleArn.trim(),
    cacheMinutes: line.cacheMinutes,
    ...(keyArn ? { keyArn } : {}),
    ...(validTo ? { validTo } : {}),
    ...(holderCopyPath ? { holderCopyPath } : {}),
  };
}

export function awsHandlers(s: Services): Pick<Handlers, AwsChannels> {
  const status = () => {
    const st = s.aws.signInStatus();
    return { configured: st.method !== null, ...(st.problem ? { problem: st.problem } : {}), method: st.method, region: st.region, ...st.status };
  };
  const own = async () => ownHolder(s, await s.worksheet.get()) ?? null;
  const worksheetView = async () => ({
    lines: s.aws.worksheet(),
    checks: { '1': s.aws.checkWorksheet(1), '2': s.aws.checkWorksheet(2) },
    locations: { '1': s.aws.location(1), '2': s.aws.location(2) },
    cacheTime: { ...CACHE_TIME },
    ownHolder: await own(),
  });
  return {
    'aws:status': async () => status(),
    'aws:startSignIn': async () => {
      const prompt = await s.aws.startSignIn();
      // The approval page opens in the holder's browser; the screen shows the code to compare and the link as well.
      await s.deps.openAwsApproval?.(prompt.verificationUriComplete).catch((e: unknown) => s.deps.log.warn('could not open the AWS approval page', { error: e }));
      return prompt;
    },
    'aws:waitSignIn': async (r) => {
      await s.aws.waitSignIn(r.flowId);
      return status();
    },
    'aws:cancelSignIn': async () => {
      s.aws.cancelSignIn();
      return {};
    },
    'aws:useRole': async (r) => {
      s.aws.useRole(r.accountId, r.roleName);
      return status();
    },
    'aws:signOut': async () => {
      await s.aws.signOut();
      return status();
    },
    'aws:worksheet': worksheetView,
    'aws:saveWorksheet': async (r) => {
      const { worksheet, check } = s.aws.saveWorksheet(r.holder, r.line);
      // The ceremony's worksheet step for AWS (what the vendor registers next): recorded once the line is complete
      // and says where the key store lives, with the same fields as `keyholder rehearse --provider aws-kms`.
      const keyLocation = s.aws.location(r.holder, worksheet);
      const line = worksheet[`${r.holder}`]!;
      if (keyLocation && !Object.keys(check.problems).length) {
        await s.ceremonyOps.awsWorksheetSaved(r.holder, { keyLocation, vendorRoleArn: line.vendorRoleArn, cacheMinutes: line.cacheMinutes });
        s.deps.emit('app:changed', { topic: 'worksheet' });
      }
      return worksheetView();
    },
    'aws:state': async () => {
      const holder = await own();
      const line = holder ? s.aws.worksheet()[`${holder}`] : undefined;
      const r = s.awsKeyStore.record();
      const record = r
        ? {
            draft: { holder: r.draft.holder, holderCopyPath: r.draft.holderCopyPath ?? '', keyArn: r.draft.keyArn ?? '', validTo: r.draft.validTo ?? '' },
            state: r.state,
            updatedAt: r.updatedAt,
            ...(r.error ? { error: r.error } : {}),
            ...(r.outcome ? { outcome: r.outcome } : {}),
          }
        : null;
      const damaged = s.awsKeyStore.damage();
      return { record, suggested: { holder, keyArn: line?.keyArn ?? '', holderCopies: copiesForKeyStore(findHolderCopies(s.deps.dataDir), 'aws-kms') }, ...(damaged ? { damaged: damaged.toShape() } : {}) };
    },
    'aws:saveDraft': async (r) => {
      s.awsKeyStore.saveDraft(keyStoreDraft(s, r));
      return {};
    },
    // The key is opened only inside a supervised activation (keeper, knower, supervisor); the desk's import purpose
    // carries out the AWS import when the attested target is the AWS draft's.
    'aws:startImport': async ({ otherHolderConfirmed, ...r }) => {
      const draft = keyStoreDraft(s, r);
      // Kept first, so a refusal below loses nothing the holder typed.
      s.awsKeyStore.saveDraft(draft);
      if (!r.holderCopyPath.trim()) throw new KeyholderError('vault.copy_missing', 'Choose your key-holder copy of the AWS key (the file made for you in the escrow step).');
      // The same door as the Azure import: this workstation's own holder (or the warned choice), and the step table.
      await guardImportStart(s, { holder: draft.holder, otherHolderConfirmed, target: awsImportTarget(draft), into: 'AWS account' });
      // Recorded in the ceremony (the AWS worksheet saved: location, vendor role, cache time) before anyone hands over a copy.
      await s.ceremonyOps.saveAwsKeyStore(draft);
      // The copy must hold the 256-bit AES key: an RSA copy (Azure's) is refused before anyone joins.
      return s.activationDesk.start({ mode: 'split-knowledge', escrowFile: r.holderCopyPath.trim(), keyType: 'AES', purpose: { kind: 'vault-import', target: awsImportTarget(draft), holder: draft.holder } });
    },
    'aws:policy': async () => both(await s.awsKeyStore.proposePolicies()),
    // Applies what the holder saw: refused if either policy changed in AWS since it was shown.
    'aws:applyPolicy': async (r) => {
      const now = await s.awsKeyStore.proposePolicies();
      if (now.primary.currentSha256 !== r.primarySha256 || now.companion.currentSha256 !== r.companionSha256) {
        throw new KeyholderError('aws.policy_changed', 'A key policy changed in AWS since Key Holder showed you the difference. Review the new difference before applying.');
      }
      // Through the ceremony's operation: the plan the holder saw is recorded in the transcript once applied.
      await s.ceremonyOps.applyAwsPolicies(now, { widening: r.confirmWidening });
      return both(await s.awsKeyStore.proposePolicies());
    },
  };
}
