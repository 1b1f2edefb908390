import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { findHolderCopies } from '../../services/vault/index';
import { awsImportTarget } from '../../services/vault/aws-kms/import-purpose';
import { CACHE_TIME } from '../../../shared/worksheet/aws';
import { ownHolder } from './vault';
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

export function awsHandlers(s: Services): Pick<Handlers, AwsChannels> {
  const status = () => {
    const st = s.aws.signInStatus();
    return { configured: st.method !== null, ...(st.problem ? { problem: st.problem } : {}), method: st.method, region: st.region, ...st.status };
  };
  const own = async () => ownHolder(s, await s.worksheet.get()) ?? null;
  const worksheetView = async () => ({
    lines: s.aws.worksheet(),
    checks: { '1': s.aws.checkWorksheet(1), '2': s.aws.checkWorksheet(2) },
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
      s.aws.saveWorksheet(r.holder, r.line);
      return worksheetView();
    },
    'aws:state': async () => {
      const holder = await own();
      const line = holder ? s.aws.worksheet()[`${holder}`] : undefined;
      return { record: s.aws.record(), suggested: { holder, keyArn: line?.keyArn ?? '', holderCopies: findHolderCopies(s.deps.dataDir) } };
    },
    'aws:saveDraft': async (r) => {
      s.aws.saveDraft(r);
      return {};
    },
    // The key is opened only inside a supervised activation (keeper, knower, supervisor); its purpose runs the import.
    'aws:startImport': async (r) => {
      const draft = s.aws.checkDraft(r);
      s.aws.saveDraft(draft);
      const region = s.aws.signInStatus().region ?? '';
      return s.activationDesk.start({ mode: 'split-knowledge', escrowFile: draft.holderCopyPath, purpose: { kind: 'aws-import', target: awsImportTarget(draft, region), holder: draft.holder } });
    },
    'aws:policy': async () => both(await s.aws.proposePolicies()),
    'aws:applyPolicy': async (r) => both(await s.aws.applyPolicies(r)),
  };
}
