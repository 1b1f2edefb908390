import { describe, expect, it } from 'vitest';
import { enrolParticipant, openParticipant, parseParticipantFile, serializeParticipantFile, verifyAttestation } from './participant-file';

const LOW = { N: 2 ** 10, r: 8, p: 1 };

describe('participant enrolment', () => {
  it('enrols, round-trips the file, unlocks with the passphrase and signs verifiable attestations', async () => {
    const { file, identity } = await enrolParticipant({ name: ' Sam Supervisor ', passphrase: 'correct horse battery', kdf: LOW });
    expect(identity.name).toBe('Sam Supervisor');
    const text = serializeParticipantFile(file);
    expect(text).not.toContain('correct horse');
    const signer = await openParticipant(parseParticipantFile(text), 'correct horse battery');
    const a = signer.attest('supervisor', { ceremony: 'ceremony-1', statement: 'attest' });
    expect(a.key).toBe(identity.key);
    expect(verifyAttestation(a)).toBe(true);
    expect(verifyAttestation({ ...a, statement: { ceremony: 'ceremony-2', statement: 'attest' } })).toBe(false);
    signer.dispose();
    expect(() => signer.attest('supervisor', {})).toThrow(/locked/);
  });

  it('refuses a wrong passphrase and a file whose name or key was swapped', async () => {
    const { file } = await enrolParticipant({ name: 'Kim', passphrase: 'a long passphrase', kdf: LOW });
    const other = await enrolParticipant({ name: 'Noor', passphrase: 'another passphrase', kdf: LOW });
    await expect(openParticipant(file, 'a long passphrasE')).rejects.toMatchObject({ code: 'participant.wrong_passphrase' });
    await expect(openParticipant({ ...file, name: 'Noor' }, 'a long passphrase')).rejects.toMatchObject({ code: 'participant.wrong_passphrase' });
    await expect(openParticipant({ ...file, publicKey: other.file.publicKey }, 'a long passphrase')).rejects.toMatchObject({ code: 'participant.wrong_passphrase' });
  });

  it('accepts a passphrase as bytes, and refuses short passphrases and bad files', async () => {
    const { file } = await enrolParticipant({ name: 'Kim', passphrase: new TextEncoder().encode('a long passphrase'), kdf: LOW });
    (await openParticipant(file, new TextEncoder().encode('a long passphrase'))).dispose();
    await expect(openParticipant(file, new TextEncoder().encode('a long passphrasf'))).rejects.toMatchObject({ code: 'participant.wrong_passphrase' });
    await expect(enrolParticipant({ name: 'Kim', passphrase: 'short', kdf: LOW })).rejects.toMatchObject({ code: 'participant.weak_passphrase' });
    expect(() => parseParticipantFile('{')).toThrow(expect.objectContaining({ code: 'participant.bad_file' }));
    expect(() => parseParticipantFile(JSON.stringify({ ...file, kdf: { ...file.kdf, N: 1000 } }))).toThrow(/power of two/);
  });

  it('uses the production cost by default', async () => {
    const { file } = await enrolParticipant({ name: 'Prod', passphrase: 'production passphrase' });
    expect(file.kdf).toMatchObject({ N: 2 ** 17, r: 8, p: 1 });
    (await openParticipant(file, 'production passphrase')).dispose();
  });
});
