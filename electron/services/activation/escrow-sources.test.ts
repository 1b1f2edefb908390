import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEscrow, serializeEscrow } from '../../../shared/escrow/format';
import { TEST_KDF } from '../../../shared/escrow/kdf-profiles';
import { sealKey } from '../escrow/seal';
import { PASS } from '../escrow/testing/helpers';
import type { Role } from '../../../shared/transcript/entry';
import { ActivationSession } from './session';
import { custodianId, escrowQuorumSource, holderCopySource } from './escrow-sources';
import { holderCopyFromBytes } from '../escrow/holder-copy';
import { person, planOf } from './test-support';

const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const der = rsa.export({ type: 'pkcs8', format: 'der' });
const meta = { keyId: crypto.randomUUID(), purpose: 'test', created: new Date('2026-11-27T10:00:00Z') };
const NAMES = ['Alice Archer', 'Bob Baker', 'Chen Cho'];
const [operator, supervisor, keeper, knower, ...custodians] = await Promise.all(['Olive Operator', 'Sam Supervisor', 'Kim Keeper', 'Noor Knower', ...NAMES].map(person));
const plan = planOf([[operator!, ['operator']], [supervisor!, ['supervisor']], [keeper!, ['keeper']], [knower!, ['knower']], ...custodians.map((c) => [c, ['keeper']] as [typeof c, Role[]])]);
const join = (s: ActivationSession, who: (typeof custodians)[number], role: Role, custodian?: string) => s.join(who.attest(role, s.joinStatement(role, who, custodian)), custodian);

describe('activation over real escrow files', () => {
  it('opens a holder copy (split knowledge) and wipes the opened key', async () => {
    const copy = holderCopyFromBytes(serializeEscrow(await sealKey(rsa, meta, [{ name: 'Holder One', passphrase: PASS[0]! }], 1, TEST_KDF)), 'holder-one.khescrow');
    let seen: Uint8Array | null = null;
    const s = new ActivationSession({
      ceremony: 'ceremony-escrow-1',
      purpose: { kind: 'vault-import', target: 'v', holder: 1 },
      source: holderCopySource(copy),
      plan,
      onPurpose: async (m) => {
        expect(Buffer.from(m).equals(der)).toBe(true);
        seen = m;
        return {};
      },
    });
    join(s, operator!, 'operator');
    join(s, supervisor!, 'supervisor');
    join(s, keeper!, 'keeper');
    s.presentSealedCopy(keeper!.id, copy.copyFingerprint);
    join(s, knower!, 'knower');
    await expect(s.enterPassphrase(knower!.id, PASS[1]!)).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    await s.enterPassphrase(knower!.id, PASS[0]!);
    await s.attest(supervisor!.attest('supervisor', s.attestationStatement()));
    await s.carryOut();
    expect(seen!.every((b) => b === 0)).toBe(true);
  });

  it('needs 2 of 3 custodians of a real escrow, and the combined key is authenticated by the escrow', async () => {
    const file = parseEscrow(serializeEscrow(await sealKey(rsa, meta, NAMES.map((name, i) => ({ name, passphrase: PASS[i]! })), 2, TEST_KDF)));
    const source = escrowQuorumSource(file);
    expect(source.custodians.map((c) => c.name)).toEqual(NAMES);
    const s = new ActivationSession({ ceremony: 'ceremony-escrow-2', purpose: { kind: 'escrow-restore', target: 'escrow' }, source, plan, onPurpose: async (m) => ({ same: Buffer.from(m).equals(der) }) });
    join(s, operator!, 'operator');
    join(s, supervisor!, 'supervisor');
    join(s, custodians[2]!, 'keeper', custodianId(3));
    await s.enterComponent(custodians[2]!.id, PASS[2]!);
    await expect(s.attest(supervisor!.attest('supervisor', s.attestationStatement()))).rejects.toMatchObject({ code: 'ceremony.quorum_not_met' });
    join(s, custodians[0]!, 'keeper', custodianId(1));
    await s.enterComponent(custodians[0]!.id, PASS[0]!);
    await s.attest(supervisor!.attest('supervisor', s.attestationStatement()));
    expect(await s.carryOut()).toEqual({ same: true });
  });
});
