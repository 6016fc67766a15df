import Link from "next/link";
import type { OrganizationSummary } from "@/lib/api/types";
import type { Viewer } from "@/lib/auth/viewer";
import { Logo } from "@/components/logo";
import { ROLE_LABEL } from "@/components/members/roles";
import { SandboxBadge } from "@/components/sandbox-badge";
import { Badge } from "@/components/ui/badge";
import { AppNav, type NavItem } from "./app-nav";
import { OrganizationSwitcher } from "./organization-switcher";
import { SignOutButton } from "./sign-out-button";

function navItems(viewer: Viewer): NavItem[] {
  const items: NavItem[] = [
    { href: "/dashboard", label: "Dashboard" },
    { href: "/onboarding/connect-calendar", label: "Connect calendars" },
    { href: "/members", label: "Members" },
  ];
  if (viewer.role === "owner" || viewer.role === "admin") items.push({ href: "/admin", label: "Admin", badge: "admin-attention" });
  return items;
}

function Account({ viewer, organizations, stacked }: { viewer: Viewer; organizations: OrganizationSummary[]; stacked: boolean }) {
  return (
    <div className={stacked ? "flex items-center justify-between gap-3" : "flex items-center gap-3"}>
      <div className={stacked ? "min-w-0" : "min-w-0 text-right"}>
        {organizations.length > 1 ? (
          <OrganizationSwitcher
            organizations={organizations}
            currentId={viewer.organizationId}
            testId={stacked ? "organization-switcher-menu" : "organization-switcher"}
          />
        ) : (
          <p className="truncate text-sm font-medium text-slate-900" data-testid={stacked ? undefined : "organization-name"}>
            {viewer.organizationName}
          </p>
        )}
        <p className={stacked ? "flex items-center gap-1.5 text-xs text-slate-500" : "flex items-center justify-end gap-1.5 text-xs text-slate-500"}>
          <span className="truncate">{viewer.email}</span>
          <Badge tone={viewer.role === "member" ? "neutral" : "brand"} className="px-1.5 py-0 text-[11px]">
            {ROLE_LABEL[viewer.role]}
          </Badge>
        </p>
      </div>
      {/* Both copies are in the DOM (one hidden per breakpoint), so each needs its own test id. */}
      <SignOutButton testId={stacked ? "sign-out-menu" : "sign-out"} />
    </div>
  );
}

export function AppHeader({ viewer, organizations, sandbox }: { viewer: Viewer; organizations: OrganizationSummary[]; sandbox: boolean }) {
  return (
    <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/95 backdrop-blur supports-[backdrop-filter]:bg-white/80">
      <div className="relative mx-auto flex h-16 max-w-6xl items-center gap-4 px-4 sm:px-6">
        <Link
          href="/dashboard"
          aria-label="calsync dashboard"
          className="rounded-md focus-visible:outline-2 focus-visible:outline-offset-4 focus-visible:outline-brand-600"
        >
          <Logo className="text-lg" />
        </Link>
        {sandbox ? <SandboxBadge align="start" /> : null}
        <div className="flex flex-1 items-center justify-end gap-4 md:justify-between">
          <AppNav items={navItems(viewer)} account={<Account viewer={viewer} organizations={organizations} stacked />} />
          <div className="hidden md:block">
            <Account viewer={viewer} organizations={organizations} stacked={false} />
          </div>
        </div>
      </div>
    </header>
  );
}
