"use client";

import { useEffect, useRef, type RefObject } from "react";

/**
 * Opens and closes a native modal `<dialog>` with `open`: on opening, remembers what had
 * focus and moves it to `focusOnOpen`; on closing, or on unmounting while open, gives focus back. Shared by the
 * drawer and the confirmation dialog, so both restore focus the same way.
 */
export function useModalDialog(open: boolean, focusOnOpen: RefObject<HTMLElement | null>) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const returnFocusTo = useRef<HTMLElement | null>(null);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      returnFocusTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
      focusOnOpen.current?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
      returnFocusTo.current?.focus();
      returnFocusTo.current = null;
    }
  }, [open, focusOnOpen]);

  // Unmounting while open (e.g. a card re-rendered into another state) must not strand focus.
  useEffect(() => {
    const restore = returnFocusTo;
    return () => restore.current?.focus();
  }, []);

  return { dialogRef };
}
