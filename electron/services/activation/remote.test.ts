import { describe, expect, it, vi } from 'vitest';
import QRCode from 'qrcode';
import type { Custodian } from '../../../shared/ceremony/activation';
import { ActivationSession } from './session';
import { suite as hpke, buildJoinStatement, offerFingerprint, sealComponentForOffer, signOffer, toQrSvg, type ActivationOffer } from './remote';
import { fakeQuorum, fakeSealedCopy, person, planOf, testWorkstation } from './test-support';
import { toBase64Url } from '../../../shared/transcript/canonical';

const [operator, supervisor, ada, ben, keeper, knower] = await Promise.all(['Olive Operator', 'Sam Supervisor', 'Ada Custodian', 'Ben Custodian', 'Kim Keeper', 'Noor Knower'].map(person));
/** The activating workstation (its ceremony key is in the plan) and one that is not. */
const ws = testWorkstation('Holder 1 workstation');
const rogue = testWorkstation('Rogue laptop');
const plan = planOf(
  [
    [operator!, ['operator']],
    [supervisor!, ['supervisor']],
    [ada!, ['keeper']],
    [ben!, ['keeper']],
    [keeper!, ['keeper']],
    [knower!, ['knower']],
  ],
  [ws],
);
const custodians: Custodian[] = [
  { id: 'c0', name: 'Ada Custodian' },
  { id: 'c1', name: 'Ben Custodian' },
  { id: 'c2', name: 'Cy Custodian' },
];
const passOf = (c: Custodian) => `${c.name} share passphrase`;

async function start() {
  const q = await fakeQuorum(2, custodians, passOf);
  const onPurpose = vi.fn(async (m: Uint8Array) => ({ ok: Buffer.from(m).equals(Buffer.from(q.secret)) }));
  const s = new ActivationSession({ ceremony: 'ceremony-remote-1', purpose: { kind: 'escrow-rewrap', target: 'new custodian Di' }, source: q.source, plan, workstation: () => ws, onPurpose });
  for (const [who, role] of [[operator, 'operator'], [supervisor, 'supervisor']] as const) s.join(who!.attest(role, s.joinStatement(role, who!)));
  return { s, q, onPurpose };
}

/** What the remote custodian's own app does: open their share locally, sign the join, seal to the offer. */
async function remoteSeal(offer: ActivationOffer, q: Awaited<ReturnType<typeof fakeQuorum>>, who: typeof ada, custodian: Custodian) {
  const share = await q.source.openShare(custodian.id, new TextEncoder().encode(passOf(custodian)));
  const join = who!.attest('keeper', buildJoinStatement(offer, 'keeper', who!, custodian.id));
  const pkg = await sealComponentForOffer(offer, { plan, content: 'share', component: share, custodian: custodian.id, join });
  expect(share.every((b) => b === 0)).toBe(true);
  return pkg;
}

describe('components from another workstation (HPKE)', () => {
  it('opens a 2-of-3 quorum from two sealed packages carried as QR-sized text', async () => {
    const { s, q, onPurpose } = await start();
    const { offer, fingerprint } = await s.offer();
    expect(fingerprint).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(offer.purpose).toEqual({ kind: 'escrow-rewrap', target: 'new custodian Di' });
    const p1 = await remoteSeal(offer, q, ada, custodians[0]!);
    const p2 = await remoteSeal(offer, q, ben, custodians[1]!);
    const text = JSON.stringify(p1);
    // Fits a QR code at error correction M with room to spare.
    expect(QRCode.create(text, { errorCorrectionLevel: 'M' }).version).toBeLessThanOrEqual(30);
    expect(await toQrSvg(p1)).toContain('<svg');
    expect(await toQrSvg(offer)).toContain('<svg');
    await s.receiveSealedComponent(text);
    await s.receiveSealedComponent(p2);
    expect(s.state.step).toBe('supervisor-attests');
    await s.attest(supervisor!.attest('supervisor', s.attestationStatement()));
    expect(await s.carryOut()).toEqual({ ok: true });
    expect(onPurpose).toHaveBeenCalledTimes(1);
    expect(q.handedOut.slice(2).every((b) => b.every((x) => x === 0))).toBe(true);
  });

  it('refuses a replayed package, a package for another session, and a tampered one', async () => {
    const { s, q } = await start();
    const { offer } = await s.offer();
    const p1 = await remoteSeal(offer, q, ada, custodians[0]!);
    await s.receiveSealedComponent(p1);
    await expect(s.receiveSealedComponent(p1)).rejects.toMatchObject({ code: 'ceremony.component_replayed' });

    const other = await start();
    const { offer: otherOffer } = await other.s.offer();
    const foreign = await remoteSeal(otherOffer, q, ben, custodians[1]!);
    await expect(s.receiveSealedComponent(foreign)).rejects.toMatchObject({ code: 'activation.package_other_session' });
    // Re-labelled for this session: it names a request this session did not issue, so it is not opened.
    await expect(s.receiveSealedComponent({ ...foreign, session: s.id })).rejects.toMatchObject({ code: 'activation.package_unopenable' });
    // ...and with the request's fingerprint re-labelled too, the join is not this session's.
    await expect(s.receiveSealedComponent({ ...foreign, session: s.id, offer: offerFingerprint(offer) })).rejects.toMatchObject({ code: 'activation.bad_join' });

    const p2 = await remoteSeal(offer, q, ben, custodians[1]!);
    const ct = Buffer.from(p2.ct, 'base64url');
    ct[0] = ct[0]! ^ 1;
    await expect(s.receiveSealedComponent({ ...p2, ct: ct.toString('base64url') })).rejects.toMatchObject({ code: 'activation.package_unopenable' });
    await expect(s.receiveSealedComponent({ ...p2, custodian: 'c2' })).rejects.toMatchObject({ code: 'activation.bad_join' });
    await expect(s.receiveSealedComponent({ ...p2, nonce: 'f'.repeat(32) })).rejects.toMatchObject({ code: 'activation.package_unopenable' });
    expect(s.state.components).toHaveLength(1);
    await s.receiveSealedComponent(p2);
    expect(s.state.step).toBe('supervisor-attests');
  });

  it('carries the knower\'s passphrase from another workstation in split-knowledge mode', async () => {
    const copy = fakeSealedCopy('the knower passphrase');
    const s = new ActivationSession({ ceremony: 'ceremony-remote-2', purpose: { kind: 'vault-import', target: 'v', holder: 2 }, source: copy.source, plan, workstation: () => ws, onPurpose: async () => ({}) });
    for (const [who, role] of [[operator, 'operator'], [supervisor, 'supervisor'], [keeper, 'keeper']] as const) s.join(who!.attest(role, s.joinStatement(role, who!)));
    s.presentSealedCopy(keeper!.id, 'copy-fp-1');
    const { offer } = await s.offer();
    const join = knower!.attest('knower', buildJoinStatement(offer, 'knower', knower!));
    const pkg = await sealComponentForOffer(offer, { plan, content: 'passphrase', component: new TextEncoder().encode('the knower passphrase'), join });
    const { checkValue } = await s.receiveSealedComponent(pkg);
    expect(checkValue).toMatch(/^[0-9A-F]{6}$/);
    await s.attest(supervisor!.attest('supervisor', s.attestationStatement()));
    await s.carryOut();
    expect(copy.handedOut[0]!.every((b) => b === 0)).toBe(true);
  });

  it('refuses an expired offer and data too large for a QR code', async () => {
    const { s } = await start();
    const { offer } = await s.offer(1000);
    const join = ada!.attest('keeper', buildJoinStatement(offer, 'keeper', ada!, 'c0'));
    await expect(sealComponentForOffer(offer, { plan, content: 'share', component: new Uint8Array(33), custodian: 'c0', join, now: new Date(Date.now() + 5000) })).rejects.toMatchObject({ code: 'activation.offer_expired' });
    await expect(toQrSvg({ ...offer, challenge: 'x'.repeat(3000) })).rejects.toMatchObject({ code: 'activation.qr_too_large' });
  });

  describe('the request is authenticated (issue 16: whoever swaps the text or QR code must not get the component)', () => {
    async function attempt(offer: unknown) {
      const component = new Uint8Array(33).fill(7);
      const join = ada!.attest('keeper', buildJoinStatement(offer as ActivationOffer, 'keeper', ada!, 'c0'));
      const sealing = sealComponentForOffer(offer as ActivationOffer, { plan, content: 'share', component, custodian: 'c0', join });
      await expect(sealing).rejects.toBeDefined();
      // Refused before sealing, and the component is wiped all the same.
      expect(component.every((b) => b === 0)).toBe(true);
      return sealing.catch((e: unknown) => e);
    }
    const attackerKey = async () => toBase64Url(new Uint8Array(await hpke.kem.serializePublicKey((await hpke.kem.generateKeyPair()).publicKey)));

    it('refuses a request whose one-time public key was swapped', async () => {
      const { s } = await start();
      const { offer } = await s.offer();
      expect(await attempt({ ...offer, publicKey: await attackerKey() })).toMatchObject({ code: 'activation.offer_bad_signature' });
    });

    it('refuses a swapped signature (another genuine request\'s) and a changed purpose', async () => {
      const { s } = await start();
      const { offer } = await s.offer();
      const other = (await (await start()).s.offer()).offer;
      expect(await attempt({ ...offer, sig: other.sig })).toMatchObject({ code: 'activation.offer_bad_signature' });
      expect(await attempt({ ...offer, purpose: { ...offer.purpose, target: 'something else' } })).toMatchObject({ code: 'activation.offer_bad_signature' });
      // An older, unsigned (v1) request is not accepted at all.
      const { signer: _signer, sig: _sig, purpose: _purpose, ...v1 } = offer;
      expect(await attempt({ ...v1, v: 1 })).toMatchObject({ code: 'activation.bad_offer' });
    });

    it('refuses a request signed by a workstation that is not in the ceremony plan', async () => {
      const { s } = await start();
      const { offer } = await s.offer();
      // The attacker re-signs the whole request, their own key in it, with a key of their own.
      const { sig: _sig, signer: _signer, ...body } = offer;
      const forged = signOffer({ ...body, publicKey: await attackerKey() }, rogue);
      expect(await attempt(forged)).toMatchObject({ code: 'activation.offer_unknown_signer' });
    });

    it('refuses a replayed (expired) request, and a package answering a request this session never issued', async () => {
      const { s, q } = await start();
      const { offer } = await s.offer(1000);
      const join = ada!.attest('keeper', buildJoinStatement(offer, 'keeper', ada!, 'c0'));
      await expect(sealComponentForOffer(offer, { plan, content: 'share', component: new Uint8Array(33), custodian: 'c0', join, now: new Date(Date.now() + 60_000) })).rejects.toMatchObject({ code: 'activation.offer_expired' });
      // A genuine request of this session, re-issued with the same one-time key but by someone else's hand, is not one this session issued.
      const { sig: _sig, signer: _signer, ...body } = offer;
      const replay = signOffer({ ...body, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }, ws);
      const pkg = await remoteSeal(replay, q, ada, custodians[0]!);
      await expect(s.receiveSealedComponent(pkg)).rejects.toMatchObject({ code: 'activation.package_unopenable' });
      expect(s.state.components).toHaveLength(0);
    });
  });
});
