import crypto from 'node:crypto';
/**
 * Rotation to a new primary key against the rehearsal cloud and the
 * reference control plane, with the clock moved: the new key goes into the
 * same escrow file and copies, both vaults, the vendor; the old key cannot
 * be disabled before No longer in use + 90 days, and is then disabled, never
 * deleted.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as seal from '../../services/escrow/seal';

// Watches which keys are decrypted: the re-seal must not open the current key outside a supervised activation (issue 16).
vi.mock('../../services/escrow/seal', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../services/escrow/seal')>();
  return { ...real, openKey: vi.fn(real.openKey) };
});
import { ENV, KEY_NAME, startLifecycleHarness, type LifecycleHarness } from './harness';
import { PASS } from '../../services/escrow/testing/helpers';
import { parseEscrow } from '../../../shared/escrow/format';

let h: LifecycleHarness;
const DAY = 86_400_000;
let libraryId = '';

beforeAll(async () => {
  h = await startLifecycleHarness();
  // The old primary key protects a library of 7 million document versions (one day of re-keying at the guide's rate).
  const lib = await h.cp.createLibrary(ENV, { name: 'Matters', documentVersions: 7_000_000 });
  libraryId = lib.libraryId;
  await h.cp.applyKey(ENV, libraryId, h.cp.environmentStatus(ENV).primaryKey!.primaryKeyId);
  h.clock.advance(2 * DAY);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('rotation to a new primary key', () => {
  it('runs as a resumable new ceremony and offers to disable the old key only after No longer in use + 90 days', async () => {
    const oldKeyVersionId = h.held.keyVersionId;
    let v = await h.keyRotation.start();
    expect(v.step).toBe('add-key');
    expect((await h.keyRotation.start()).id).toBe(v.id);
    await expect(h.keyRotationImport({ holderCopyPath: h.holders[0].copyFile, passphrase: h.holders[0].copyPass })).rejects.toMatchObject({ code: 'lifecycle.rotation_order' });

    // A wrong custodian passphrase stops everything before a byte is written.
    const escrowBefore = fs.readFileSync(h.escrowFile);
    const copyBytes = () => h.holders.map((x) => fs.readFileSync(x.copyFile));
    const copiesBefore = copyBytes();
    const copies = h.holders.map((x) => ({ file: x.copyFile, passphrase: x.copyPass }));
    // The door checks again what the panel's chooser checked: files swapped (a copy as the escrow, the escrow as a copy) are refused before anything is recorded.
    await expect(h.keyRotation.prepareAddKey({ escrowFile: h.holders[0].copyFile, holderCopies: [h.holders[1].copyFile] })).rejects.toMatchObject({ code: 'escrow.holder_copy_not_escrow' });
    await expect(h.keyRotation.prepareAddKey({ escrowFile: h.escrowFile, holderCopies: [h.escrowFile] })).rejects.toMatchObject({ code: 'escrow.not_holder_copy' });
    await expect(h.keyRotationAddKey({ holderCopies: copies, custodianPassphrases: [PASS[0]!, PASS[0]!] })).rejects.toMatchObject({ code: 'escrow.wrong_passphrase' });
    // Without the supervisor's signed attestation the re-seal is refused: nothing generated, nothing written (issue 16).
    await expect(h.keyRotationAddKey({ holderCopies: copies, attest: false })).rejects.toMatchObject({ code: 'ceremony.step_out_of_order' });
    expect(fs.readFileSync(h.escrowFile).equals(escrowBefore)).toBe(true);
    expect(copyBytes()).toEqual(copiesBefore);
    expect((await h.keyRotation.view()).step).toBe('add-key');

    const currentKeyId = parseEscrow(new Uint8Array(escrowBefore)).header.keys.at(-1)!.keyId;
    vi.mocked(seal.openKey).mockClear();
    const sealed = await h.keyRotationAddKey({ holderCopies: copies });
    expect(sealed).toMatchObject({ step: 'done', mode: 'rewrap', purpose: { kind: 'escrow-rewrap' } });
    expect(sealed.participants.map((p) => [p.role, p.name])).toEqual([
      ['operator', 'Olive Operator'],
      ['supervisor', 'Sam Supervisor'],
      ['keeper', 'Alice Archer'],
      ['keeper', 'Bob Baker'],
      ['knower', 'Noor Knower'],
      ['knower', 'Nico Knower'],
    ]);
    v = await h.keyRotation.view();
    expect(v.step).toBe('import');
    // Only the new key is decrypted (its test-restore from disk); the current key's slots and copies are checked by their wraps alone.
    expect(vi.mocked(seal.openKey).mock.calls.map((c) => c[1])).toEqual([v.newKey!.keyId]);
    expect(currentKeyId).not.toBe(v.newKey!.keyId);
    const escrow = parseEscrow(new Uint8Array(fs.readFileSync(h.escrowFile)));
    expect(escrow.header.keys).toHaveLength(2);
    expect(escrow.header.keys[1]!.keyId).toBe(v.newKey!.keyId);
    for (const c of copies) expect(parseEscrow(new Uint8Array(fs.readFileSync(c.file))).header.keys.map((k) => k.keyId).at(-1)).toBe(v.newKey!.keyId);

    // Without the supervisor's signed attestation nothing is opened for the purpose and nothing reaches the vault.
    const versionsBefore = await h.holders[0].provider.listVersions({ location: h.holders[0].vaultUrl, keyName: KEY_NAME });
    await expect(h.keyRotationImport({ holderCopyPath: h.holders[0].copyFile, passphrase: h.holders[0].copyPass, attest: false })).rejects.toMatchObject({ code: expect.stringMatching(/^(ceremony|activation)\./) });
    expect(await h.holders[0].provider.listVersions({ location: h.holders[0].vaultUrl, keyName: KEY_NAME })).toHaveLength(versionsBefore.length);
    expect((await h.keyRotation.view()).step).toBe('import');
    // The purpose refuses a key that is not the rotation's new key, and a target the supervisor did not attest to, before the vault.
    const { target } = h.keyRotation.prepareImport({ holderCopyPath: h.holders[0].copyFile });
    const stranger = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const opened = (fingerprint: string, keyId: string) => ({ keyId, fingerprint, withPrivateKey: async <T>(use: (k: crypto.KeyObject) => Promise<T>) => use(stranger), dispose: () => {} });
    await expect(h.keyRotation.importOpened(opened('ab'.repeat(32), v.newKey!.keyId), target)).rejects.toMatchObject({ code: 'lifecycle.wrong_key_imported' });
    await expect(h.keyRotation.importOpened(opened(v.newKey!.fingerprint, v.newKey!.keyId), `${target} elsewhere`)).rejects.toMatchObject({ code: 'lifecycle.import_changed' });
    expect(await h.holders[0].provider.listVersions({ location: h.holders[0].vaultUrl, keyName: KEY_NAME })).toHaveLength(versionsBefore.length);

    // The supervised activation: keeper presents the copy, knower types its passphrase, supervisor attests; the purpose imports the new key.
    const done = await h.keyRotationImport({ holderCopyPath: h.holders[0].copyFile, passphrase: h.holders[0].copyPass });
    expect(done.purpose.kind).toBe('key-rotation');
    expect(done.step).toBe('done');
    expect(done.result).toMatchObject({ fingerprint: v.newKey!.fingerprint, holder: 1 });
    v = await h.keyRotation.view();
    expect(v.step).toBe('submit');
    expect(done.result!.keyVersionId).toBe(v.importedKeyVersionId);
    expect(v.importedKeyVersionId).toMatch(new RegExp(`/keys/${KEY_NAME}/[0-9a-f]{32}$`));
    expect(v.importedKeyVersionId).not.toBe(oldKeyVersionId);
    // Both versions live under the same name; the old one stays enabled.
    const versions = await h.holders[0].provider.listVersions({ location: h.holders[0].vaultUrl, keyName: KEY_NAME });
    expect(versions.filter((x) => x.enabled).map((x) => x.keyVersionId).sort()).toEqual([oldKeyVersionId, v.importedKeyVersionId].sort());

    v = await h.keyRotation.submit();
    expect(v.step).toBe('wait-available');
    // Key holder 2 does the same on their workstation.
    const h2 = await h.holders[1].importCopy();
    await h.submit(2, h2.keyVersionId);
    v = await h.keyRotation.view();
    expect(v.newPrimaryKey).toMatchObject({ status: 'Available' });
    expect(v.step).toBe('wait-no-longer-in-use');

    // Not yet applied anywhere, then applied: the old key is Inactive: Rotating from.
    await expect(h.keyRotation.disableOldKey({ confirmation: 'anything' })).rejects.toMatchObject({ code: 'lifecycle.old_key_in_use' });
    await h.cp.applyKey(ENV, libraryId, v.newPrimaryKey!.primaryKeyId);
    h.clock.advance(DAY / 2);
    v = await h.keyRotation.view();
    expect(v.oldKey.libraries).toEqual([expect.objectContaining({ libraryName: 'Matters', status: 'Inactive: Rotating from' })]);
    await expect(h.keyRotation.disableOldKey({ confirmation: 'anything' })).rejects.toMatchObject({ code: 'lifecycle.old_key_in_use' });

    h.clock.advance(DAY / 2 + 60_000);
    v = await h.keyRotation.view();
    expect(v.oldKey.libraries[0]).toMatchObject({ status: 'No longer in use' });
    expect(v.step).toBe('wait-90-days');
    expect(v.countdown).toMatchObject({ daysLeft: 90, reminderThreshold: 90 });
    expect(v.countdown!.text).toMatch(/90 days left before the old key may be disabled/);
    expect(v.disableConfirmation).toBeNull();
    await expect(h.keyRotation.disableOldKey({ confirmation: 'anything' })).rejects.toMatchObject({ code: 'lifecycle.retirement_wait' });

    h.clock.advance(89 * DAY);
    v = await h.keyRotation.view();
    expect(v.step).toBe('wait-90-days');
    expect(v.countdown!.daysLeft).toBe(1);
    await expect(h.keyRotation.disableOldKey({ confirmation: 'anything' })).rejects.toMatchObject({ code: 'lifecycle.retirement_wait' });
    expect((await h.holders[0].provider.keyVersionHealth(oldKeyVersionId)).state).toBe('available');

    h.clock.advance(DAY);
    v = await h.keyRotation.view();
    expect(v.step).toBe('disable-offered');
    expect(v.disableConfirmation).toMatch(new RegExp(`^disable old key ${KEY_NAME} version [0-9a-f]{8} in key store 1$`));
    await expect(h.keyRotation.disableOldKey({ confirmation: 'disable old key' })).rejects.toMatchObject({ code: 'lifecycle.confirmation_mismatch' });
    v = await h.keyRotation.disableOldKey({ confirmation: v.disableConfirmation! });
    expect(v.step).toBe('done');
    // Disabled, never deleted; the new key is untouched.
    const after = await h.holders[0].provider.listVersions({ location: h.holders[0].vaultUrl, keyName: KEY_NAME });
    expect(after.find((x) => x.keyVersionId === oldKeyVersionId)).toMatchObject({ enabled: false });
    expect(after.find((x) => x.keyVersionId === v.importedKeyVersionId)).toMatchObject({ enabled: true });
    expect(await h.holders[0].provider.getDeletedKey({ location: h.holders[0].vaultUrl, keyName: KEY_NAME })).toBeNull();
    const st = await h.cp.checkStatus(ENV);
    expect(st.primaryKey!.status).toBe('Available');
    // The re-seal's activation is in the ceremony transcript: attested by the supervisor with every custodian and copy named.
    const ceremonyEntries = fs
      .readFileSync(h.transcript.pathOf(sealed.ceremony), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; data: { session?: string; purpose?: { kind: string }; custodians?: string[]; copies?: string[] } });
    const attested = ceremonyEntries.find((e) => e.kind === 'activation.attested' && e.data.session === sealed.session);
    expect(attested?.data).toMatchObject({ purpose: { kind: 'escrow-rewrap' }, custodians: ['Alice Archer', 'Bob Baker'], copies: ['Key holder 1', 'Key holder 2'] });
    expect(ceremonyEntries.filter((e) => e.data.session === sealed.session).map((e) => e.kind)).toEqual(['activation.attested', 'activation.completed']);
    const kinds = fs
      .readFileSync(h.transcript.pathOf(h.lifecycle.transcriptId()!), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).kind);
    expect(kinds).toEqual(expect.arrayContaining(['rotation.started', 'rotation.key-added', 'rotation.imported', 'rotation.submitted', 'rotation.available', 'rotation.old-key-no-longer-in-use', 'rotation.old-key-disabled']));
  });
});
