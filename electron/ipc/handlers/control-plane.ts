import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { isKeyholderError } from '../../../shared/errors/index';
import type { ControlPlaneView } from '../../../shared/ipc/channels/control-plane';

type Verb =
  | 'view'
  | 'connect'
  | 'forget'
  | 'register'
  | 'refresh-registration'
  | 'record-out-of-band'
  | 'preview'
  | 'submit'
  | 'status'
  | 'update-credentials';

/** The control-plane screen's view (also answered after the rehearsal vendor approves a registration). */
export function view(s: Services): ControlPlaneView {
  const cp = s.controlPlane;
  return { mode: s.deps.environment.mode, connection: cp.view(), registration: cp.registration(), importGate: cp.importGate(), receipts: cp.receipts(), status: cp.lastStatus(), ceremonyRecords: cp.ceremonyRecords(), pendingCeremonyRecords: cp.pendingCeremonyRecords().map((p) => p.ceremonyId) };
}

export function controlPlaneHandlers(s: Services): Pick<Handlers, `control-plane:${Verb}`> {
  const cp = s.controlPlane;
  const ops = s.ceremonyOps;
  return {
    'control-plane:view': async () => {
      // The poller in main may have seen the vendor confirm or the status change since.
      await ops.observeVendor();
      return view(s);
    },
    'control-plane:connect': async (r) => {
      // IT's policy may pin the vendor's control plane: connecting elsewhere is refused before anything is sent.
      // (Hand-built Services in tests may leave it out.)
      s.liveSettings?.checkControlPlane(r.baseUrl, r.expectedFingerprint);
      await cp.connect(r);
      return view(s);
    },
    'control-plane:forget': async () => {
      cp.forget();
      return view(s);
    },
    'control-plane:register': async (r) => {
      await ops.requestRegistration(r.vaultDnsName);
      return view(s);
    },
    'control-plane:refresh-registration': async () => {
      await ops.refreshRegistration();
      return view(s);
    },
    'control-plane:record-out-of-band': async (r) => {
      await ops.recordOutOfBand({ vaultDnsName: r.vaultDnsName, reference: r.reference, confirmedBy: r.confirmedBy });
      return view(s);
    },
    'control-plane:preview': async (r) => cp.preview(await ops.keyStoreValues(r.clientSecret)),
    'control-plane:submit': async (r) => {
      // The step table decides, as on the Submission screen: the key-store values name the imported key (line 2).
      // A submission sent again (the vendor asked for a correction) is not refused as already done.
      const holder = cp.view().holder;
      if (holder === 1 || holder === 2) {
        try {
          s.ceremony.assertMayStart([`submitted:${holder}`]);
        } catch (e) {
          if (!isKeyholderError(e) || e.code !== 'ceremony.step_already_done') throw e;
        }
      }
      const { receipt, answer } = await ops.submit(r.clientSecret);
      return { receipt, validation: answer.validation, view: view(s) };
    },
    'control-plane:status': async (r) => {
      await ops.checkStatus(r.refresh ?? false);
      return view(s);
    },
    'control-plane:update-credentials': async (r) => {
      const receipt = await cp.updateCredentials({ ...(r.applicationId ? { applicationId: r.applicationId } : {}), clientSecret: r.clientSecret, secretExpiresOn: r.secretExpiresOn });
      return { receipt, view: view(s) };
    },
  };
}
