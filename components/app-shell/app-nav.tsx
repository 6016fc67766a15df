"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { AdminAttentionBadge } from "@/components/admin/attention-badge";
import { cn } from "@/components/ui/cn";

export interface NavItem {
  href: string;
  label: string;
  /** A live mark next to the label; only admins' "Admin" link has one. */
  badge?: "admin-attention";
}

function isCurrent(pathname: string, href: string): boolean {
  return pathname === href || pathname.startsWith(`${href}/`);
}

function NavLinks({ items, vertical, onNavigate }: { items: NavItem[]; vertical: boolean; onNavigate?: () => void }) {
  const pathname = usePathname();
  return (
    <ul className={cn("flex", vertical ? "flex-col gap-1" : "items-center gap-1")}>
      {items.map((item) => {
        const current = isCurrent(pathname, item.href);
        return (
          <li key={item.href}>
            <Link
              href={item.href}
              aria-current={current ? "page" : undefined}
              onClick={onNavigate}
              className={cn(
                "block rounded-md px-3 py-2 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600",
                current ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
              )}
            >
              {item.label}
              {item.badge === "admin-attention" ? <AdminAttentionBadge testId={vertical ? "admin-attention-badge-menu" : "admin-attention-badge"} /> : null}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

/**
 * The main navigation: inline links from `md` up; below that a menu button that opens
 * a panel holding the links and the account block. Escape closes the panel and
 * returns focus to the button.
 */
export function AppNav({ items, account }: { items: NavItem[]; account: ReactNode }) {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        setOpen(false);
        buttonRef.current?.focus();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);

  return (
    <>
      <nav aria-label="Main" className="hidden md:block">
        <NavLinks items={items} vertical={false} />
      </nav>

      <button
        ref={buttonRef}
        type="button"
        className="inline-flex h-9 w-9 items-center justify-center rounded-md text-slate-600 hover:bg-slate-100 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 md:hidden"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((value) => !value)}
      >
        <span className="sr-only">{open ? "Close menu" : "Open menu"}</span>
        <svg aria-hidden="true" viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
          {open ? <path d="M6 6l12 12M18 6L6 18" /> : <path d="M4 7h16M4 12h16M4 17h16" />}
        </svg>
      </button>

      <div id={panelId} hidden={!open} className="absolute inset-x-0 top-full z-40 border-b border-slate-200 bg-white px-4 pt-2 pb-4 shadow-lg md:hidden">
        <nav aria-label="Main (menu)">
          <NavLinks items={items} vertical onNavigate={() => setOpen(false)} />
        </nav>
        <div className="mt-3 border-t border-slate-200 pt-3">{account}</div>
      </div>
    </>
  );
}
