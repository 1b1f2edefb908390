import { create } from 'zustand';

/** View state only; ceremony state is owned by the Node side and fetched through the contract. */
interface AppState {
  screen: string;
  go(screen: string): void;
}

export const useApp = create<AppState>((set) => ({
  screen: 'home',
  go: (screen) => set({ screen }),
}));
