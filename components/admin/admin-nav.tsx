"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";

const TABS = [
  { href: "/admin", label: "Overview" },
  { href: "/admin/subscriptions", label: "Subscriptions" },
  { href: "/admin/webhook-events", label: "Webhook events" },
  { href: "/admin/sync-runs", label: "Sync runs" },
  { href: "/admin/meetings", label: "Meeting hours" },
  { href: "/admin/privacy", label: "Privacy" },
  { href: "/admin/api", label: "API" },
  { href: "/admin/setup", label: "Setup" },
] as const;

/** The console's sections. The overview is current only on its own path, not on every /admin/* page. */
export function AdminNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Operations" className="mb-6 overflow-x-auto border-b border-slate-200">
      <ul className="flex min-w-max gap-1">
        {TABS.map((tab) => {
          const current = tab.href === "/admin" ? pathname === "/admin" : pathname === tab.href || pathname.startsWith(`${tab.href}/`);
          return (
            <li key={tab.href}>
              <Link
                href={tab.href}
                aria-current={current ? "page" : undefined}
                data-testid={`admin-tab-${tab.href.split("/")[2] ?? "overview"}`}
                className={cn(
                  "-mb-px block border-b-2 px-3 py-2.5 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600",
                  current ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900",
                )}
              >
                {tab.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
