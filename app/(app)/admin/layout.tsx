import type { ReactNode } from "react";
import { hasRole } from "@/lib/auth/organizations";
import { getViewer } from "@/lib/auth/viewer";
import { AdminNav } from "@/components/admin/admin-nav";
import { AttentionBanner } from "@/components/admin/attention-banner";
import { AdminForbidden } from "@/components/admin/forbidden";

// The operations console is for owners and admins. The role is checked here, on
// the server, before any of its pages render; the API routes they read check it
// again, so a member reaching a page by URL sees a 403 panel and never any data.
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const viewer = await getViewer();
  // Signed out: the (app) layout around this one is already redirecting to sign-in.
  if (!viewer) return null;
  if (!hasRole(viewer.role, "admin")) return <AdminForbidden />;
  return (
    <>
      <AdminNav />
      <AttentionBanner />
      {children}
    </>
  );
}
