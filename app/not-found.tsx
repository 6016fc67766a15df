import type { Metadata } from "next";
import { StatusPage } from "@/components/status-page";

export const metadata: Metadata = { title: "Page not found" };

// Any path no page answers (API paths answer JSON from app/api/[...path]).
export default function NotFound() {
  return (
    <StatusPage
      code="404"
      title="This page does not exist"
      links={[
        { href: "/", label: "Go to the home page" },
        { href: "/dashboard", label: "Open the dashboard" },
      ]}
    >
      The address may be mistyped, or the page may have moved.
    </StatusPage>
  );
}
