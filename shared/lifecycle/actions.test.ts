import { describe, expect, it } from 'vitest';
import { actionFits, KEY_STORE_ACTIONS, type KeyStoreAction, type KeyStoreStateSeen } from './actions';

const offered = (seen: KeyStoreStateSeen): KeyStoreAction[] => KEY_STORE_ACTIONS.filter((a) => actionFits(a, seen).offered);

describe('key store actions that fit the state', () => {
  it('an enabled (Available) key: revoke and pull, never unrevoke or restore', () => {
    expect(offered({ state: 'Available', pulled: false })).toEqual(['revoke', 'pull']);
    expect(actionFits('unrevoke', { state: 'Available', pulled: false })).toEqual({ offered: false, why: expect.stringContaining('enabled') });
    expect(actionFits('restore', { state: 'Available', pulled: false })).toEqual({ offered: false, why: expect.stringContaining('not pulled') });
  });

  it('a revoked (disabled) key: unrevoke and pull, not revoke again', () => {
    expect(offered({ state: 'Revoked', pulled: false })).toEqual(['unrevoke', 'pull']);
    expect(actionFits('revoke', { state: 'Revoked', pulled: false })).toEqual({ offered: false, why: expect.stringContaining('already revoked') });
  });

  it('a pulled key (soft-deleted or deletion scheduled): restore only', () => {
    expect(offered({ state: 'Revoked', pulled: true })).toEqual(['restore']);
    for (const a of ['revoke', 'unrevoke', 'pull'] as const) expect(actionFits(a, { state: 'Revoked', pulled: true })).toEqual({ offered: false, why: expect.stringContaining('restore it first') });
  });

  it('a state that could not be read rules nothing out', () => {
    expect(offered({ state: 'Unavailable', pulled: false })).toEqual(KEY_STORE_ACTIONS);
  });
});
