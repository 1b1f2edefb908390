import { describe, expect, it } from 'vitest';
import { describePlan, grantsOf, holderKeyPolicy, planKeyPolicy, type KeyPolicyDocument } from './key-policy';

const VENDOR = 'arn:aws:iam::777788889999:role/vendor-kms-access';
const ROOT = 'arn:aws:iam::111122223333:root';
const defaultPolicy: KeyPolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }] };

describe('the key policy Key Holder writes', () => {
  it('gives the vendor exactly Encrypt, Decrypt, GenerateDataKey and DescribeKey and the account everything', () => {
    const g = grantsOf(holderKeyPolicy({ accountId: '111122223333', vendorRoleArn: VENDOR }));
    expect([...g.allows.get(VENDOR)!].sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
    expect(g.allows.get(ROOT)!.has('kms:PutKeyPolicy')).toBe(true);
  });

  it('against AWS default policy: adds the vendor, widens nothing', () => {
    const plan = planKeyPolicy(defaultPolicy, holderKeyPolicy({ accountId: '111122223333', vendorRoleArn: VENDOR }));
    expect(plan.added).toEqual([{ principal: VENDOR, actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'] }]);
    expect(plan.removed).toEqual([]);
    expect(plan.widened).toEqual([]);
    expect(describePlan(plan)[0]).toMatch(/^grants arn:aws:iam::777788889999:role\/vendor-kms-access: kms:Decrypt/);
  });

  it('a principal that already had some grant and gains more is a widening, shown as such', () => {
    const current: KeyPolicyDocument = { ...defaultPolicy, Statement: [...defaultPolicy.Statement, { Effect: 'Allow', Principal: { AWS: VENDOR }, Action: 'kms:Decrypt', Resource: '*' }] };
    const plan = planKeyPolicy(current, holderKeyPolicy({ accountId: '111122223333', vendorRoleArn: VENDOR }));
    expect(plan.widened).toEqual([VENDOR]);
    expect(describePlan(plan)[0]).toMatch(/^WIDENS/);
  });

  it('narrowing a too-broad vendor grant is shown as removals, and a Deny is honoured', () => {
    const broad: KeyPolicyDocument = { ...defaultPolicy, Statement: [...defaultPolicy.Statement, { Effect: 'Allow', Principal: { AWS: [VENDOR] }, Action: 'kms:*', Resource: '*' }, { Effect: 'Deny', Principal: { AWS: VENDOR }, Action: 'kms:Schedule*', Resource: '*' }] };
    expect(grantsOf(broad).allows.get(VENDOR)!.has('kms:ScheduleKeyDeletion')).toBe(false);
    const plan = planKeyPolicy(broad, holderKeyPolicy({ accountId: '111122223333', vendorRoleArn: VENDOR }));
    expect(plan.added).toEqual([]);
    expect(plan.removed[0]!.principal).toBe(VENDOR);
    expect(plan.removed[0]!.actions).toContain('kms:PutKeyPolicy');
    expect(plan.removed[0]!.actions).not.toContain('kms:Decrypt');
  });

  it('the same policy again is unchanged; conditions in the current policy are reported', () => {
    const p = holderKeyPolicy({ accountId: '111122223333', vendorRoleArn: VENDOR });
    expect(planKeyPolicy(p, p).unchanged).toBe(true);
    const conditional: KeyPolicyDocument = { ...p, Statement: [{ ...p.Statement[0]!, Condition: { StringEquals: { 'kms:CallerAccount': '111122223333' } } }] };
    expect(planKeyPolicy(conditional, p).currentHasConditions).toBe(true);
  });
});
