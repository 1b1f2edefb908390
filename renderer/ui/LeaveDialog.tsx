/**
 * Asked when the holder moves to another screen while this one holds unsaved
 * edits: stay (the default, also Escape) or discard them and go on.
 */
import { useEffect, useRef } from 'react';

export function LeaveDialog({ what, target, onStay, onDiscard }: { what: string; target: string; onStay(): void; onDiscard(): void }) {
  const stayRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    // When the dialog closes, focus goes back to where the holder was (the menu entry they chose), not the page body.
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    stayRef.current?.focus();
    return () => {
      if (before?.isConnected && (!document.activeElement || document.activeElement === document.body)) before.focus();
    };
  }, []);
  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="leave-title"
        aria-describedby="leave-text"
        data-testid="leave-dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape') onStay();
          // Focus stays in the dialog while it is open: Tab moves between its two buttons.
          if (e.key === 'Tab') {
            const buttons = [...e.currentTarget.querySelectorAll('button')];
            const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
            e.preventDefault();
            buttons[(at + (e.shiftKey ? buttons.length - 1 : 1)) % buttons.length]?.focus();
          }
        }}
      >
        <h2 id="leave-title">Unsaved changes</h2>
        <p id="leave-text">
          You have not saved {what}. If you go to {target} now, they are lost. Stay to save them first, or discard them.
        </p>
        <div className="actions">
          <button type="button" className="primary" ref={stayRef} onClick={onStay}>
            Stay and save first
          </button>
          <button type="button" className="secondary" onClick={onDiscard}>
            Discard changes
          </button>
        </div>
      </div>
    </div>
  );
}
