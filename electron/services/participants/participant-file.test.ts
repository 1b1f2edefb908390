import { describe, expect, it } from 'vitest';
import { enrolParticipant, openParticipant, parseParticipantFile, serializeParticipantFile, verifyAttestation } from './participant-file';

const LOW = { N: 2 ** 10, r: 8, p: 1 };

describe('participant enrolment', () => {
  it('enrols, round-trips the file, unlocks with the passphrase and signs verifiable attestations', async () => {
    const { file, identity } = await enrolParticipant({ name: ' Sam Supervisor ', passphrase: 'violet anchor tundra mosaic', kdf: LOW });
    expect(identity.name).toBe('Sam Supervisor');
    const text = serializeParticipantFile(file);
    expect(text).not.toContain('violet anchor');
    const signer = await openParticipant(parseParticipantFile(text), 'violet anchor tundra mosaic');
    const a = signer.attest('supervisor', { ceremony: 'ceremony-1', statement: 'attest' });
    expect(a.key).toBe(identity.key);
    expect(verifyAttestation(a)).toBe(true);
    expect(verifyAttestation({ ...a, statement: { ceremony: 'ceremony-2', statement: 'attest' } })).toBe(false);
    signer.dispose();
    expect(() => signer.attest('supervisor', {})).toThrow(/locked/);
  });

  it('refuses a wrong passphrase and a file whose name or key was swapped', async () => {
    const { file } = await enrolParticipant({ name: 'Kim', passphrase: 'copper whisper glacier orbit', kdf: LOW });
    const other = await enrolParticipant({ name: 'Noor', passphrase: 'saffron quiver basalt harbour', kdf: LOW });
    await expect(openParticipant(file, 'copper whisper glacier orbiT')).rejects.toMatchObject({ code: 'participant.wrong_passphrase' });
    await expect(openParticipant({ ...file, name: 'Noor' }, 'copper whisper glacier orbit')).rejects.toMatchObject({ code: 'participant.wrong_passphrase' });
    await expect(openParticipant({ ...file, publicKey: other.file.publicKey }, 'copper whisper glacier orbit')).rejects.toMatchObject({ code: 'participant.wrong_passphrase' });
  });

  it('accepts a passphrase as bytes, and refuses short passphrases and bad files', async () => {
    const { file } = await enrolParticipant({ name: 'Kim', passphrase: new TextEncoder().encode('copper whisper glacier orbit'), kdf: LOW });
    (await openParticipant(file, new TextEncoder().encode('copper whisper glacier orbit'))).dispose();
    await expect(openParticipant(file, new TextEncoder().encode('copper whisper glacier orbiu'))).rejects.toMatchObject({ code: 'participant.wrong_passphrase' });
    await expect(enrolParticipant({ name: 'Kim', passphrase: 'short', kdf: LOW })).rejects.toMatchObject({ code: 'participant.weak_passphrase' });
    // Twelve characters are no longer enough (review #14): the same strength rule as custodians' passphrases, the name counted as guessable.
    for (const weak of ['aaaaaaaaaaaa', 'password1234', 'Kim Keeper 2026']) {
      await expect(enrolParticipant({ name: 'Kim Keeper', passphrase: weak, kdf: LOW })).rejects.toMatchObject({ code: 'participant.weak_passphrase' });
    }
    expect(() => parseParticipantFile('{')).toThrow(expect.objectContaining({ code: 'participant.bad_file' }));
    expect(() => parseParticipantFile(JSON.stringify({ ...file, kdf: { ...file.kdf, N: 1000 } }))).toThrow(/power of two/);
  });

  it('uses the production cost by default', async () => {
    const { file } = await enrolParticipant({ name: 'Prod', passphrase: 'lantern meadow ember quartz' });
    expect(file.kdf).toMatchObject({ N: 2 ** 17, r: 8, p: 1 });
    (await openParticipant(file, 'lantern meadow ember quartz')).dispose();
  });
});
