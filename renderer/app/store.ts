import { create } from 'zustand';

/** View state only; ceremony state is owned by the Node side and fetched through the contract. */
interface AppState {
  screen: string;
  /** What main asked the screen to show (an expiry item, an escrow file's path), or null. */
  item: string | null;
  /** Counts every choice of a screen (also of the one already open), so focus can follow each choice. */
  visit: number;
  go(screen: string, item?: string | null): void;
}

export const useApp = create<AppState>((set) => ({
  screen: 'home',
  item: null,
  visit: 0,
  go: (screen, item = null) => set((s) => ({ screen, item, visit: s.visit + 1 })),
}));
