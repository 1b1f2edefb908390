/**
 * Two workstations. On the activating workstation: show the one-time request
 * (QR code and text) and take back the participant's sealed component. On
 * the participant's own workstation: seal their component to that request.
 * Only sealed or public data is ever shown; secrets are typed and sent inward.
 */
import { useState } from 'react';
import { call } from '../../app/api';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { Notice } from '../../ui/Notice';

type View = ResponseOf<'activation:state'>;

export function RemoteReceive({ session, who, act }: { session: string; who: string; act(fn: () => Promise<View>): Promise<void> }) {
  const [offer, setOffer] = useState<ResponseOf<'activation:offer'> | null>(null);
  const [sealed, setSealed] = useState('');
  const [error, setError] = useState<string | null>(null);
  if (!offer) {
    return (
      <p>
        <button
          type="button"
          className="secondary"
          onClick={() => call('activation:offer', { session }).then(setOffer, (e: Error) => setError(e.message))}
        >
          {who} is at another workstation
        </button>
        {error && <Notice tone="error">{error}</Notice>}
      </p>
    );
  }
  return (
    <div className="act-card" data-testid="remote-receive">
      <h2>Request for {who.toLowerCase()}'s workstation</h2>
      <p className="act-hint">
        Scan this code or copy the text into Key Holder on their workstation. It holds a one-time public key for this activation only, signed with this
        workstation&apos;s ceremony key; their workstation refuses it unless this workstation is in the ceremony plan.
      </p>
      <p>
        Request fingerprint <span className="act-check" data-testid="offer-fingerprint">{offer.fingerprint}</span>
      </p>
      <p className="act-hint">
        Read it aloud with {who.toLowerCase()}: their screen must show the same. If it differs, someone changed the request on the way: do not go on.
      </p>
      {/* The SVG comes from the qrcode library on the Node side: paths only, no script. */}
      <div className="act-qr" dangerouslySetInnerHTML={{ __html: offer.qrSvg }} />
      <div className="act-field">
        <label htmlFor="act-offer">Request (text)</label>
        <textarea id="act-offer" readOnly rows={4} value={offer.offer} data-testid="offer-text" />
      </div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => call('activation:receiveSealed', { session, sealed }));
        }}
      >
        <div className="act-field">
          <label htmlFor="act-sealed">Sealed component from their workstation</label>
          <textarea id="act-sealed" rows={4} value={sealed} onChange={(e) => setSealed(e.target.value)} required />
        </div>
        <div className="act-field">
          <label htmlFor="act-sealed-file">…or load it from a file</label>
          <input
            id="act-sealed-file"
            type="file"
            accept=".json,.khsealed,application/json,text/plain"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void f.text().then(setSealed);
            }}
          />
        </div>
        <button type="submit" className="primary">
          Receive the sealed component
        </button>
      </form>
    </div>
  );
}

export function RemoteSeal() {
  const [open, setOpen] = useState(false);
  const [offer, setOffer] = useState('');
  const [content, setContent] = useState<'share' | 'passphrase'>('share');
  const [file, setFile] = useState('');
  const [custodian, setCustodian] = useState('1');
  const [secret, setSecret] = useState('');
  const [name, setName] = useState('');
  const [pp, setPp] = useState('');
  const [result, setResult] = useState<ResponseOf<'activation:sealForRemote'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!open) {
    return (
      <p>
        <button type="button" className="link" onClick={() => setOpen(true)}>
          Taking part from this workstation in an activation run elsewhere? Seal your component for it
        </button>
      </p>
    );
  }
  if (result) {
    return (
      <div className="act-card" data-testid="remote-sealed">
        <h2>Your sealed component</h2>
        <p>
          Check value <span className="act-check">{result.checkValue}</span>: compare it with your sheet.
        </p>
        <p>
          Request fingerprint <span className="act-check" data-testid="sealed-offer-fingerprint">{result.offerFingerprint}</span> for <strong>{result.purpose}</strong>
        </p>
        <p className="act-hint">
          Read the fingerprint aloud with the operator before you hand this over: it must be the one on their screen. The request was signed by a workstation in
          your ceremony plan, and what you sealed opens only with that request&apos;s one-time key, held in the activation that issued it. It still opens only
          under that activation&apos;s supervisor and for the purpose above.
        </p>
        {result.qrSvg && <div className="act-qr" dangerouslySetInnerHTML={{ __html: result.qrSvg }} />}
        <div className="act-field">
          <label htmlFor="act-sealed-out">Sealed component (text)</label>
          <textarea id="act-sealed-out" readOnly rows={5} value={result.sealed} data-testid="sealed-text" />
        </div>
      </div>
    );
  }
  return (
    <form
      className="act-card"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        call('activation:sealForRemote', {
          offer,
          content,
          ...(content === 'share' ? { escrowFile: file, custodian: Number(custodian) } : {}),
          secret,
          name,
          participantPassphrase: pp,
        }).then(
          (r) => (setResult(r), setSecret(''), setPp('')),
          (e: Error) => setError(e.message),
        );
      }}
    >
      <h2>Seal your component for another workstation</h2>
      {error && <Notice tone="error">{error}</Notice>}
      <div className="act-field">
        <label htmlFor="act-remote-offer">Request from the activating workstation</label>
        <textarea id="act-remote-offer" rows={4} value={offer} onChange={(e) => setOffer(e.target.value)} required />
      </div>
      <fieldset className="act-field">
        <legend>What you bring</legend>
        <label>
          <input type="radio" name="content" checked={content === 'share'} onChange={() => setContent('share')} /> My custodian component of an escrow
        </label>
        <label>
          <input type="radio" name="content" checked={content === 'passphrase'} onChange={() => setContent('passphrase')} /> The passphrase of a sealed copy (I am the knower)
        </label>
      </fieldset>
      {content === 'share' && (
        <>
          <div className="act-field">
            <label htmlFor="act-remote-file">Escrow file</label>
            <input id="act-remote-file" type="text" value={file} onChange={(e) => setFile(e.target.value)} required />
          </div>
          <div className="act-field">
            <label htmlFor="act-remote-custodian">Your custodian number (on your sheet)</label>
            <input id="act-remote-custodian" type="text" inputMode="numeric" value={custodian} onChange={(e) => setCustodian(e.target.value)} required />
          </div>
        </>
      )}
      <div className="act-field">
        <label htmlFor="act-remote-secret">{content === 'share' ? 'Your component passphrase' : 'Passphrase of the sealed copy'}</label>
        <input id="act-remote-secret" type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} required />
      </div>
      <div className="act-field">
        <label htmlFor="act-remote-name">Your name</label>
        <input id="act-remote-name" type="text" value={name} onChange={(e) => setName(e.target.value)} required />
      </div>
      <div className="act-field">
        <label htmlFor="act-remote-pp">Your participant passphrase</label>
        <input id="act-remote-pp" type="password" autoComplete="off" value={pp} onChange={(e) => setPp(e.target.value)} required />
      </div>
      <button type="submit" className="primary">
        Seal my component
      </button>
    </form>
  );
}
