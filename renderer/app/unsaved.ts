/**
 * A screen holding edits that are not saved yet says so here: moving to
 * another screen then asks the holder to stay or discard (App's LeaveDialog),
 * and closing the window or reloading the page is held back by the browser's
 * beforeunload (in the desktop app main turns it into a Stay / Discard dialog,
 * electron/main/main.ts). Nothing a holder typed is dropped without a word.
 */
import { useEffect } from 'react';
import { useApp } from './store';

export function useUnsavedGuard(dirty: boolean, what: string): void {
  const setUnsaved = useApp((s) => s.setUnsaved);
  useEffect(() => {
    if (!dirty) return;
    setUnsaved({ what });
    const hold = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      // Chromium (and Electron's will-prevent-unload) still needs returnValue set.
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', hold);
    return () => {
      window.removeEventListener('beforeunload', hold);
      setUnsaved(null);
    };
  }, [dirty, what, setUnsaved]);
}
