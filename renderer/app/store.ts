import { create } from 'zustand';

/** View state only; ceremony state is owned by the Node side and fetched through the contract. */
interface AppState {
  screen: string;
  /** What main asked the screen to show (an expiry item, an escrow file's path), or null. */
  item: string | null;
  go(screen: string, item?: string | null): void;
}

export const useApp = create<AppState>((set) => ({
  screen: 'home',
  item: null,
  go: (screen, item = null) => set({ screen, item }),
}));
