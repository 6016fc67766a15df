import type { Metadata } from "next";
import { Suspense } from "react";
import { WebhookEvents } from "@/components/admin/webhook-events";

export const metadata: Metadata = { title: "Webhook events · Operations" };

export default function AdminWebhookEventsPage() {
  // The filters are read from the query string (useSearchParams).
  return (
    <Suspense>
      <WebhookEvents />
    </Suspense>
  );
}
