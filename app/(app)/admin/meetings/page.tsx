import type { Metadata } from "next";
import { MeetingHours } from "@/components/admin/meeting-hours";
import { PageHeader } from "@/components/page-header";

export const metadata: Metadata = { title: "Meeting hours · Operations" };

export default function AdminMeetingsPage() {
  return (
    <>
      <PageHeader title="Meeting hours" description="Time in meetings per person and week, across every mirrored calendar of the organization." />
      <MeetingHours />
    </>
  );
}
