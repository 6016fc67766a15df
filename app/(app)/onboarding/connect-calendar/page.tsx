import type { Metadata } from "next";
import { Suspense } from "react";
import { ConnectCalendars } from "@/components/connect/connect-calendars";

export const metadata: Metadata = { title: "Connect calendars" };

export default function ConnectCalendarPage() {
  // ConnectCalendars reads the OAuth callback's query string (useSearchParams).
  return (
    <Suspense>
      <ConnectCalendars />
    </Suspense>
  );
}
