import type { Services } from '../../services/index';
import type { Handlers } from '../dispatch';
import { KeyholderError } from '../../../shared/errors/index';
import type { ControlPlaneView } from '../../../shared/ipc/channels/control-plane';
import type { KeyStoreValues } from '../../services/control-plane/service';
import { recordRegistrationConfirmed, recordRegistrationRequested, recordStatus, recordSubmission } from './ceremony';

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

function view(s: Services): ControlPlaneView {
  const cp = s.controlPlane;
  return { mode: s.deps.environment.mode, connection: cp.view(), registration: cp.registration(), importGate: cp.importGate(), receipts: cp.receipts(), status: cp.lastStatus(), ceremonyRecords: cp.ceremonyRecords(), pendingCeremonyRecords: cp.pendingCeremonyRecords().map((p) => p.ceremonyId) };
}

/** The connected holder's worksheet values; the secret from this computer's SecretBox unless typed now. */
async function worksheetValues(s: Services, typedSecret?: string): Promise<KeyStoreValues> {
  const holder = s.controlPlane.view().holder;
  if (!holder) throw new KeyholderError('control_plane.not_connected', 'Connect to the vendor’s control plane first.');
  const ws = await s.worksheet.get();
  const mine = holder === 1 ? ws.holder1 : ws.holder2;
  let clientSecret = typedSecret;
  if (!clientSecret) {
    if (mine.secret !== 'stored') {
      throw new KeyholderError('control_plane.secret_missing', `This computer holds no client secret for key holder ${holder} (worksheet line 4). Type it in to submit.`);
    }
    clientSecret = await s.worksheet.revealSecret(holder);
  }
  return {
    vaultDnsName: mine.vaultHost,
    keyIdentifier: mine.keyIdentifier,
    applicationId: mine.clientId,
    clientSecret,
    tenantId: mine.tenantId,
    secretExpiresOn: mine.secretExpiresOn,
  };
}

export function controlPlaneHandlers(s: Services): Pick<Handlers, `control-plane:${Verb}`> {
  const cp = s.controlPlane;
  return {
    'control-plane:view': async () => {
      // The poller in main may have seen the vendor confirm or the status change since.
      await recordRegistrationConfirmed(s);
      await recordStatus(s);
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
      await cp.requestRegistration(r.vaultDnsName);
      await recordRegistrationRequested(s);
      await recordRegistrationConfirmed(s);
      return view(s);
    },
    'control-plane:refresh-registration': async () => {
      await cp.refreshRegistration();
      await recordRegistrationConfirmed(s);
      return view(s);
    },
    'control-plane:record-out-of-band': async (r) => {
      cp.recordOutOfBandConfirmation({ vaultDnsName: r.vaultDnsName, reference: r.reference, confirmedBy: r.confirmedBy });
      await recordRegistrationConfirmed(s);
      return view(s);
    },
    'control-plane:preview': async (r) => cp.preview(await worksheetValues(s, r.clientSecret)),
    'control-plane:submit': async (r) => {
      const { receipt, answer } = await cp.submit(await worksheetValues(s, r.clientSecret));
      await recordSubmission(s, receipt, answer.validation.state);
      await recordStatus(s);
      return { receipt, validation: answer.validation, view: view(s) };
    },
    'control-plane:status': async (r) => {
      await cp.status({ refresh: r.refresh ?? false });
      await recordStatus(s);
      return view(s);
    },
    'control-plane:update-credentials': async (r) => {
      const receipt = await cp.updateCredentials({ ...(r.applicationId ? { applicationId: r.applicationId } : {}), clientSecret: r.clientSecret, secretExpiresOn: r.secretExpiresOn });
      return { receipt, view: view(s) };
    },
  };
}
