import { create } from 'zustand';

/** A screen with edits not yet saved, and where the holder wanted to go meanwhile. */
interface Unsaved {
  /** Names what would be lost, in the holder's words ("your worksheet changes"). */
  what: string;
}

/** The key store the settings choose: which screens the menu shows and where a step is done. */
export type KeyStoreChoice = 'azure-key-vault' | 'aws-kms';

/** View state only; ceremony state is owned by the Node side and fetched through the contract. */
interface AppState {
  /** The settings' key store, as last read from 'settings:view' (Azure Key Vault until then, the default). */
  keyStore: KeyStoreChoice;
  setKeyStore(k: KeyStoreChoice): void;
  screen: string;
  /** What main asked the screen to show (an expiry item, an escrow file's path), or null. */
  item: string | null;
  /** Counts every move to a screen (also to the one already open), so focus can follow each choice. */
  visit: number;
  /** Set by a screen while it holds unsaved edits (useUnsavedGuard). */
  unsaved: Unsaved | null;
  /** A move to another screen held back until the holder chooses to stay or discard. */
  pending: { screen: string; item: string | null } | null;
  /** Moves to a screen; with unsaved edits on this one it asks first (pending) instead of dropping them. */
  go(screen: string, item?: string | null): void;
  setUnsaved(u: Unsaved | null): void;
  /** Stay on the screen with the edits. */
  stay(): void;
  /** Drop the edits and make the held-back move. */
  discard(): void;
}

export const useApp = create<AppState>((set, get) => ({
  keyStore: 'azure-key-vault',
  setKeyStore: (keyStore) => set({ keyStore }),
  screen: 'home',
  item: null,
  visit: 0,
  unsaved: null,
  pending: null,
  go: (screen, item = null) => {
    const s = get();
    if (s.unsaved && screen !== s.screen) set({ pending: { screen, item } });
    else set({ screen, item, pending: null, visit: s.visit + 1 });
  },
  setUnsaved: (unsaved) => set({ unsaved }),
  stay: () => set({ pending: null }),
  discard: () => {
    const p = get().pending;
    set(p ? { screen: p.screen, item: p.item, pending: null, unsaved: null, visit: get().visit + 1 } : { pending: null });
  },
}));
