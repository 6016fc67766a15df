import { connection } from "next/server";
import type { ReactNode } from "react";
import { getViewer } from "@/lib/auth/viewer";
import { organizationsOf } from "@/lib/organizations/members";
import { providerSettings } from "@/lib/providers/config";
import { AppHeader } from "@/components/app-shell/app-header";
import { SignInRedirect } from "@/components/app-shell/sign-in-redirect";

// Every page in this group is for signed-in people. The signed-out case is handed to
// a client component rather than requireViewer(), because a layout cannot see the
// requested path and sign-in should come back to it, not to the dashboard.
export default async function AppLayout({ children }: { children: ReactNode }) {
  // Per request, always: never prerendered at build time, where there is no session (and no secret).
  await connection();
  const viewer = await getViewer();
  if (!viewer) return <SignInRedirect />;
  const { sandbox } = providerSettings();
  const organizations = await organizationsOf(viewer.userId);

  return (
    <div className="flex min-h-screen flex-col">
      <a
        href="#main"
        className="sr-only rounded-md bg-white font-medium text-brand-700 shadow-lg focus:not-sr-only focus:fixed focus:top-3 focus:left-3 focus:z-50 focus:px-4 focus:py-2 focus:outline-2 focus:outline-brand-600"
      >
        Skip to content
      </a>
      <AppHeader viewer={viewer} organizations={organizations} sandbox={sandbox} />
      <main id="main" tabIndex={-1} className="mx-auto w-full max-w-6xl flex-1 px-4 py-8 focus:outline-none sm:px-6 sm:py-10">
        {children}
      </main>
    </div>
  );
}
