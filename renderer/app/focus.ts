/**
 * Where keyboard focus goes when the page changes under it, so a key holder
 * using a keyboard or a screen reader is never left on the page body:
 *
 * - after choosing a screen (also the one already open), focus moves to the
 *   screen's heading, waiting for it when the screen first shows a loading
 *   line;
 * - when the focused control is disabled while it works (Save, Connect...) or
 *   replaced, focus comes back to it when it is enabled again, or goes to the
 *   screen's heading when it is gone.
 */
import { useEffect, type RefObject } from 'react';

/** How long a screen may take to show its heading before focus stays on the content area. */
const HEADING_WAIT_MS = 5000;

function focusHeading(main: HTMLElement): boolean {
  const h1 = main.querySelector('h1');
  if (!h1) return false;
  if (!h1.hasAttribute('tabindex')) h1.setAttribute('tabindex', '-1');
  h1.focus();
  return true;
}

/** Focus nobody chose: the page body (or nothing), or the content area itself while its heading loads. */
const focusIsLost = (main: HTMLElement) => !document.activeElement || document.activeElement === document.body || document.activeElement === main;

/** After each visit (a number that changes on every choice of screen), focus the new screen's heading. */
export function useFocusOnVisit(mainRef: RefObject<HTMLElement | null>, visit: number): void {
  useEffect(() => {
    // The first screen is where the app opens: focus stays at the top of the page, where the skip link is.
    if (visit === 0) return;
    const main = mainRef.current;
    if (!main) return;
    let observer: MutationObserver | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const frame = requestAnimationFrame(() => {
      if (focusHeading(main)) return;
      main.focus();
      // The screen is still loading: move on to its heading when it appears, unless the holder has moved focus since.
      observer = new MutationObserver(() => {
        if (!focusIsLost(main)) return stop();
        if (focusHeading(main)) stop();
      });
      observer.observe(main, { childList: true, subtree: true });
      timer = setTimeout(stop, HEADING_WAIT_MS);
    });
    function stop() {
      observer?.disconnect();
      observer = null;
      if (timer) clearTimeout(timer);
      timer = null;
    }
    return () => {
      cancelAnimationFrame(frame);
      stop();
    };
  }, [mainRef, visit]);
}

/** Keeps focus inside the screen when the focused control is disabled or removed while the screen works. */
export function useKeepFocus(mainRef: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const main = mainRef.current;
    if (!main) return;
    const disabled = (el: HTMLElement) => el.matches(':disabled');
    /** The control in the screen that had focus last, and whether it has been disabled since. */
    let last: HTMLElement | null = null;
    let sawDisabled = false;
    const onFocusIn = (e: FocusEvent) => {
      last = e.target instanceof HTMLElement && e.target !== main ? e.target : null;
      sawDisabled = false;
    };
    // Chromium takes focus off a control that was disabled a moment later, with a focusout from the disabled control.
    const onFocusOut = (e: FocusEvent) => {
      if (last && e.target === last && (disabled(last) || !last.isConnected)) sawDisabled = true;
    };
    const observer = new MutationObserver(() => {
      if (!last) return;
      const active = document.activeElement;
      if (active && active !== document.body) {
        if (active === last && disabled(last)) sawDisabled = true;
        // Focus is somewhere the holder put it; outside the screen (the menu), the screen's last control no longer counts.
        else if (!main.contains(active)) last = null;
        return;
      }
      if (!last.isConnected) {
        last = null;
        if (!focusHeading(main)) main.focus();
      } else if (disabled(last)) {
        sawDisabled = true;
      } else if (sawDisabled) {
        last.focus();
      } else {
        // Enabled and never disabled, yet focus is on the body: the holder clicked outside any control.
        last = null;
      }
    });
    observer.observe(main, { attributes: true, attributeFilter: ['disabled'], childList: true, subtree: true });
    main.addEventListener('focusin', onFocusIn);
    main.addEventListener('focusout', onFocusOut);
    return () => {
      observer.disconnect();
      main.removeEventListener('focusin', onFocusIn);
      main.removeEventListener('focusout', onFocusOut);
    };
  }, [mainRef]);
}
