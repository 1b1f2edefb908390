import { describe, expect, it } from 'vitest';
import { datesSourceText, expiryIntro, nothingTrackedText } from './screen-words';

describe('the Expiry dates screen in the key store’s words', () => {
  it('on AWS speaks of the KMS key material and of no client secret or vault', () => {
    const intro = expiryIntro('aws-kms');
    expect(intro).toMatch(/key material imported into your AWS KMS key/);
    expect(intro).not.toMatch(/reach your vault/);
    expect(intro).toMatch(/no client secret/);
    const empty = nothingTrackedText('aws-kms');
    expect(empty).not.toMatch(/line 4|Microsoft Graph/);
    expect(empty).toMatch(/Import into AWS KMS/);
  });

  it('on AWS says nothing about client-secret dates, unless a client secret is listed anyway', () => {
    expect(datesSourceText('aws-kms', { from: 'worksheet' }, ['kms-key-material'])).toBeNull();
    expect(datesSourceText('aws-kms', { from: 'worksheet' }, [])).toBeNull();
    expect(datesSourceText('aws-kms', { from: 'worksheet' }, ['kms-key-material', 'client-secret'])?.text).toMatch(/Client-secret dates as written on the worksheet/);
  });

  it('on Azure keeps the vault’s words and always says where the client-secret dates come from', () => {
    expect(expiryIntro('azure-key-vault')).toMatch(/keeps the vendor able to reach your vault/);
    expect(nothingTrackedText('azure-key-vault')).toMatch(/line 4/);
    expect(datesSourceText('azure-key-vault', { from: 'graph', account: 'kh1@contoso.example' }, [])).toEqual({
      tone: 'info',
      text: 'Client-secret dates read from Microsoft Graph just now, signed in as kh1@contoso.example: the same dates the Credential rotation screen shows.',
    });
    expect(datesSourceText('azure-key-vault', { from: 'graph-earlier', problem: 'offline' }, [])?.tone).toBe('warning');
  });
});
