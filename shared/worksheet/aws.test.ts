import { describe, expect, it } from 'vitest';
import { awsKeyLocation, checkCacheTime, checkDualParty, parseKeyArn, parseRoleArn, regionAdvice } from './aws';

const ARN = 'arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('AWS worksheet rules', () => {
  it('reads a key ARN into partition, region, account and key ID', () => {
    expect(parseKeyArn(` ${ARN} `)).toEqual({ arn: ARN, partition: 'aws', region: 'eu-west-2', accountId: '111122223333', keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' });
  });
  it.each([
    ['arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'aws.china_region'],
    ['arn:aws:kms:cn-northwest-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'aws.china_region'],
    ['arn:aws:kms:eu-west-2:111122223333:alias/ceremony', 'aws.alias_not_key'],
    ['arn:aws:kms:eu-west-2:11112222333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'aws.bad_key_arn'],
    ['arn:aws:kms:europe:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'aws.bad_key_arn'],
    ['arn:aws:kms:eu-west-2:111122223333:key/1234ABCD', 'aws.bad_key_arn'],
    ['arn:aws:s3:::bucket', 'aws.bad_key_arn'],
    ['1234abcd-12ab-34cd-56ef-1234567890ab', 'aws.bad_key_arn'],
  ])('refuses %s (%s) with a message that says what to copy', (arn, code) => {
    expect(() => parseKeyArn(arn)).toThrow(expect.objectContaining({ code, message: expect.stringMatching(/.{40}/) }));
  });
  it('a China Region is refused with the seed’s reason (the vendor does not support it), in the ARN and in the Region alone', () => {
    for (const arn of ['arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'arn:aws:kms:cn-northwest-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab']) {
      expect(() => parseKeyArn(arn)).toThrow(expect.objectContaining({ code: 'aws.china_region', message: expect.stringMatching(/vendor does not support AWS China Regions.*another Region/) }));
    }
    expect(() => awsKeyLocation({ region: 'cn-north-1', accountId: '111122223333' })).toThrow(expect.objectContaining({ code: 'aws.china_region' }));
    expect(() => regionAdvice('cn-northwest-1', 'eu-west-2')).toThrow(expect.objectContaining({ code: 'aws.china_region' }));
  });
  it('a multi-Region key is refused for what it is, not as a malformed ARN', () => {
    expect(() => parseKeyArn('arn:aws:kms:eu-west-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab')).toThrow(expect.objectContaining({ code: 'aws.bad_key_arn', message: expect.stringMatching(/multi-Region key .* single-Region/) }));
  });
  it('reads a role ARN with a path and refuses a user ARN', () => {
    expect(parseRoleArn('arn:aws:iam::777788889999:role/service/vendor-kms').roleName).toBe('vendor-kms');
    expect(() => parseRoleArn('arn:aws:iam::777788889999:user/bob')).toThrow(expect.objectContaining({ code: 'aws.bad_role_arn' }));
    expect(() => parseRoleArn('arn:aws-cn:iam::777788889999:role/x')).toThrow(expect.objectContaining({ code: 'aws.china_region' }));
  });
  it('cache time: whole minutes from 1 to 1440', () => {
    expect(checkCacheTime(5)).toBe(5);
    expect(checkCacheTime(1440)).toBe(1440);
    for (const bad of [0, 1441, 2.5, -5]) expect(() => checkCacheTime(bad)).toThrow(expect.objectContaining({ code: 'aws.bad_cache_time' }));
  });
  it('region advice recommends the vendor region without refusing another', () => {
    expect(regionAdvice('eu-west-2', 'eu-west-2')).toBeNull();
    expect(regionAdvice('eu-central-1', 'eu-west-2')).toMatch(/recommends the same Region/);
  });
  it('dual party needs two accounts', () => {
    const a = parseKeyArn(ARN);
    expect(() => checkDualParty(a, a)).toThrow(expect.objectContaining({ code: 'aws.same_account' }));
    checkDualParty(a, parseKeyArn(ARN.replace('111122223333', '444455556666')));
  });
});
