import { beforeEach, describe, expect, it } from 'vitest';
import { useApp } from './store';

const state = () => useApp.getState();

describe('moving between screens with unsaved edits', () => {
  beforeEach(() => useApp.setState({ screen: 'worksheet', item: null, unsaved: null, pending: null }));

  it('moves at once when nothing is unsaved', () => {
    state().go('escrow');
    expect(state()).toMatchObject({ screen: 'escrow', pending: null });
  });

  it('holds the move back while a screen has unsaved edits; staying keeps screen and edits', () => {
    state().setUnsaved({ what: 'your changes to the worksheet' });
    state().go('escrow', 'x');
    expect(state()).toMatchObject({ screen: 'worksheet', pending: { screen: 'escrow', item: 'x' } });
    state().stay();
    expect(state()).toMatchObject({ screen: 'worksheet', pending: null, unsaved: { what: 'your changes to the worksheet' } });
  });

  it('discarding makes the held-back move and forgets the edits', () => {
    state().setUnsaved({ what: 'your changes to the worksheet' });
    state().go('expiry', 'item-1');
    state().discard();
    expect(state()).toMatchObject({ screen: 'expiry', item: 'item-1', pending: null, unsaved: null });
  });

  it('choosing the screen already shown asks nothing', () => {
    state().setUnsaved({ what: 'your changes to the worksheet' });
    state().go('worksheet');
    expect(state().pending).toBeNull();
  });
});
