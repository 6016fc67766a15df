import Link from "next/link";
import type { ReactNode } from "react";
import { Logo } from "./logo";
import { buttonClasses } from "./ui/button";

/** A page outside the app shell (no navigation, no session needed): the logo home, then its <main>. */
export function StandalonePage({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col bg-slate-50">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-5xl items-center px-4 py-4 sm:px-6">
          <Link href="/" className="rounded-md focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600">
            <Logo className="text-lg text-slate-900" />
          </Link>
        </div>
      </header>
      {children}
    </div>
  );
}

/** A whole page saying what went wrong (404, a failed render, a server that is not set up) with a way back. */
export function StatusPage({
  code,
  title,
  children,
  links,
  actions,
}: {
  code: string;
  title: string;
  children: ReactNode;
  links: Array<{ href: string; label: string }>;
  actions?: ReactNode;
}) {
  return (
    <StandalonePage>
      <main id="main" className="mx-auto flex w-full max-w-lg flex-1 flex-col justify-center px-4 py-16 text-center">
        <p className="text-sm font-semibold text-brand-700">{code}</p>
        <h1 className="mt-2 text-2xl font-bold tracking-tight text-slate-900">{title}</h1>
        <div className="mt-3 text-sm leading-6 text-slate-700">{children}</div>
        <div className="mt-8 flex flex-wrap justify-center gap-3">
          {actions}
          {links.map((link, index) => (
            <Link key={link.href} href={link.href} className={buttonClasses({ variant: index === 0 && !actions ? "primary" : "secondary" })}>
              {link.label}
            </Link>
          ))}
        </div>
      </main>
    </StandalonePage>
  );
}
