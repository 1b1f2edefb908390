import { describe, expect, it, vi } from 'vitest';
import QRCode from 'qrcode';
import type { Custodian } from '../../../shared/ceremony/activation';
import { ActivationSession } from './session';
import { buildJoinStatement, sealComponentForOffer, toQrSvg } from './remote';
import { fakeQuorum, fakeSealedCopy, person } from './test-support';

const [operator, supervisor, ada, ben, keeper, knower] = await Promise.all(['Olive Operator', 'Sam Supervisor', 'Ada Custodian', 'Ben Custodian', 'Kim Keeper', 'Noor Knower'].map(person));
const custodians: Custodian[] = [
  { id: 'c0', name: 'Ada Custodian' },
  { id: 'c1', name: 'Ben Custodian' },
  { id: 'c2', name: 'Cy Custodian' },
];
const passOf = (c: Custodian) => `${c.name} share passphrase`;

async function start() {
  const q = await fakeQuorum(2, custodians, passOf);
  const onPurpose = vi.fn(async (m: Uint8Array) => ({ ok: Buffer.from(m).equals(Buffer.from(q.secret)) }));
  const s = new ActivationSession({ ceremony: 'ceremony-remote-1', purpose: { kind: 'escrow-rewrap', target: 'new custodian Di' }, source: q.source, onPurpose });
  for (const [who, role] of [[operator, 'operator'], [supervisor, 'supervisor']] as const) s.join(who!.attest(role, s.joinStatement(role, who!)));
  return { s, q, onPurpose };
}

/** What the remote custodian's own app does: open their share locally, sign the join, seal to the offer. */
async function remoteSeal(offer: Awaited<ReturnType<ActivationSession['offer']>>, q: Awaited<ReturnType<typeof fakeQuorum>>, who: typeof ada, custodian: Custodian) {
  const share = await q.source.openShare(custodian.id, new TextEncoder().encode(passOf(custodian)));
  const join = who!.attest('keeper', buildJoinStatement(offer, 'keeper', who!, custodian.id));
  const pkg = await sealComponentForOffer(offer, { content: 'share', component: share, custodian: custodian.id, join });
  expect(share.every((b) => b === 0)).toBe(true);
  return pkg;
}

describe('components from another workstation (HPKE)', () => {
  it('opens a 2-of-3 quorum from two sealed packages carried as QR-sized text', async () => {
    const { s, q, onPurpose } = await start();
    const offer = await s.offer();
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
    const offer = await s.offer();
    const p1 = await remoteSeal(offer, q, ada, custodians[0]!);
    await s.receiveSealedComponent(p1);
    await expect(s.receiveSealedComponent(p1)).rejects.toMatchObject({ code: 'ceremony.component_replayed' });

    const other = await start();
    const otherOffer = await other.s.offer();
    const foreign = await remoteSeal(otherOffer, q, ben, custodians[1]!);
    await expect(s.receiveSealedComponent(foreign)).rejects.toMatchObject({ code: 'activation.package_other_session' });
    // Re-labelled for this session: the one-time key does not match, so it cannot be opened.
    await expect(s.receiveSealedComponent({ ...foreign, session: s.id })).rejects.toMatchObject({ code: 'activation.bad_join' });

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
    const s = new ActivationSession({ ceremony: 'ceremony-remote-2', purpose: { kind: 'vault-import', target: 'v', holder: 2 }, source: copy.source, onPurpose: async () => ({}) });
    for (const [who, role] of [[operator, 'operator'], [supervisor, 'supervisor'], [keeper, 'keeper']] as const) s.join(who!.attest(role, s.joinStatement(role, who!)));
    s.presentSealedCopy(keeper!.id, 'copy-fp-1');
    const offer = await s.offer();
    const join = knower!.attest('knower', buildJoinStatement(offer, 'knower', knower!));
    const pkg = await sealComponentForOffer(offer, { content: 'passphrase', component: new TextEncoder().encode('the knower passphrase'), join });
    const { checkValue } = await s.receiveSealedComponent(pkg);
    expect(checkValue).toMatch(/^[0-9A-F]{6}$/);
    await s.attest(supervisor!.attest('supervisor', s.attestationStatement()));
    await s.carryOut();
    expect(copy.handedOut[0]!.every((b) => b === 0)).toBe(true);
  });

  it('refuses an expired offer and data too large for a QR code', async () => {
    const { s } = await start();
    const offer = await s.offer(1000);
    const join = ada!.attest('keeper', buildJoinStatement(offer, 'keeper', ada!, 'c0'));
    await expect(sealComponentForOffer(offer, { content: 'share', component: new Uint8Array(33), custodian: 'c0', join, now: new Date(Date.now() + 5000) })).rejects.toMatchObject({ code: 'activation.offer_expired' });
    await expect(toQrSvg({ ...offer, challenge: 'x'.repeat(3000) })).rejects.toMatchObject({ code: 'activation.qr_too_large' });
  });
});
