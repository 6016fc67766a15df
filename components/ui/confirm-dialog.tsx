"use client";

import { useId, useRef, type KeyboardEvent, type ReactNode } from "react";
import { Button, type ButtonVariant } from "./button";
import { useModalDialog } from "./use-modal-dialog";

export interface ConfirmDialogProps {
  open: boolean;
  title: ReactNode;
  children: ReactNode;
  confirmLabel: string;
  /** Label while the confirmed action runs, e.g. "Disconnecting…". */
  pendingLabel?: string;
  cancelLabel?: string;
  variant?: Extract<ButtonVariant, "primary" | "danger">;
  /** The confirmed action is running: the dialog cannot be dismissed until it ends. */
  pending?: boolean;
  /** Shown inside the dialog, announced, when the action failed and may be retried. */
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
  confirmTestId?: string;
  cancelTestId?: string;
}

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal question built on the native `<dialog>`: `showModal()` puts it in the top
 * layer and makes the page behind it inert, Escape cancels it, and Tab is kept
 * cycling inside it. Focus starts on Cancel, so a stray Enter never confirms a
 * destructive action, and returns to whatever opened it.
 */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  pendingLabel,
  cancelLabel = "Cancel",
  variant = "danger",
  pending = false,
  error,
  onConfirm,
  onCancel,
  confirmTestId,
  cancelTestId,
}: ConfirmDialogProps) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  const { dialogRef } = useModalDialog(open, cancelRef);
  const titleId = useId();
  const descriptionId = useId();

  const keepFocusInside = (event: KeyboardEvent<HTMLDialogElement>) => {
    if (event.key !== "Tab") return;
    const focusable = Array.from(event.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE));
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={dialogRef}
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      onKeyDown={keepFocusInside}
      onCancel={(event) => {
        // The native Escape handling closes the dialog by itself; keep React in charge of `open`.
        event.preventDefault();
        if (!pending) onCancel();
      }}
      onClick={(event) => {
        // A click on the backdrop lands on the <dialog> element itself.
        if (event.target === event.currentTarget && !pending) onCancel();
      }}
      className="m-auto w-[calc(100%-2rem)] max-w-md rounded-xl bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/50 backdrop:backdrop-blur-[1px]"
    >
      {/* Content only while open: a closed dialog's words must not count as the page's (search, tests, text queries). */}
      {open ? (
        <>
          <div className="p-6">
            <h2 id={titleId} className="text-lg font-semibold">
              {title}
            </h2>
            <div id={descriptionId} className="mt-2 space-y-2 text-sm leading-6 text-slate-600">
              {children}
            </div>
            {error ? (
              <p role="alert" className="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
                {error}
              </p>
            ) : null}
          </div>
          <div className="flex flex-col-reverse gap-2 rounded-b-xl border-t border-slate-200 bg-slate-50 px-6 py-4 sm:flex-row sm:justify-end">
            <Button ref={cancelRef} variant="secondary" onClick={onCancel} disabled={pending} data-testid={cancelTestId}>
              {cancelLabel}
            </Button>
            <Button variant={variant} onClick={onConfirm} loading={pending} loadingText={pendingLabel} data-testid={confirmTestId}>
              {confirmLabel}
            </Button>
          </div>
        </>
      ) : null}
    </dialog>
  );
}
