"use client";

import type { ButtonHTMLAttributes } from "react";
import { cn } from "./cn";

export interface SwitchProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, "onChange" | "role" | "aria-checked"> {
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
  /**
   * A change is being saved: the thumb pulses, the control is marked busy and ignores
   * clicks. It stays enabled so keyboard focus is not thrown off it mid-save.
   */
  busy?: boolean;
}

/**
 * An on/off control that is a real button with `role="switch"`, so Space and Enter
 * toggle it and screen readers announce "on"/"off". Name it with `aria-label` or
 * `aria-labelledby`.
 */
export function Switch({ checked, onCheckedChange, busy = false, disabled, className, ...props }: SwitchProps) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-busy={busy || undefined}
      disabled={disabled}
      onClick={() => {
        if (!busy) onCheckedChange(!checked);
      }}
      className={cn(
        "relative inline-flex h-6 w-11 shrink-0 cursor-pointer items-center rounded-full border-2 border-transparent transition-colors",
        "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600",
        "disabled:cursor-not-allowed disabled:opacity-50",
        checked ? "bg-brand-600" : "bg-slate-300",
        className,
      )}
      {...props}
    >
      <span
        aria-hidden="true"
        className={cn(
          "pointer-events-none inline-block h-5 w-5 rounded-full bg-white shadow ring-0 transition-transform motion-reduce:transition-none",
          checked ? "translate-x-5" : "translate-x-0",
          busy && "animate-pulse",
        )}
      />
    </button>
  );
}
