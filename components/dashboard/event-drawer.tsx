"use client";

import { useQuery } from "@tanstack/react-query";
import type { EventDetail } from "@/lib/api/event-detail";
import { fetchJson } from "@/components/api-client";
import { formatAbsolute } from "@/components/format/time";
import { QueryErrorPanel } from "@/components/query-state";
import { Badge } from "@/components/ui/badge";
import { Drawer, Field, Fields } from "@/components/ui/drawer";
import { RelativeTime } from "@/components/ui/relative-time";
import { differingZone, formatEventTime } from "./group-events";

export const eventDetailQueryKey = (id: string) => ["events", "detail", id] as const;

const BUSY: Record<EventDetail["busyStatus"], string> = {
  free: "Free",
  tentative: "Tentative",
  busy: "Busy",
  out_of_office: "Out of office",
  working_elsewhere: "Working elsewhere",
  unknown: "Unknown",
};
const VISIBILITY: Record<EventDetail["visibility"], string> = {
  default: "Calendar default",
  public: "Public",
  personal: "Personal",
  private: "Private",
  confidential: "Confidential",
};
const CONFERENCE: Record<NonNullable<EventDetail["conference"]>["provider"], string> = {
  meet: "Google Meet",
  teams: "Microsoft Teams",
  zoom: "Zoom",
  other: "Online meeting",
};
const RESPONSE: Record<EventDetail["attendees"][number]["response"], { label: string; tone: "success" | "danger" | "warning" | "neutral" }> = {
  accepted: { label: "Accepted", tone: "success" },
  declined: { label: "Declined", tone: "danger" },
  tentative: { label: "Maybe", tone: "warning" },
  needsAction: { label: "No answer", tone: "neutral" },
};

/** Only http(s) links become anchors: a javascript: URL from a provider's field must not be clickable. */
function safeHref(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

function When({ event, timeZone }: { event: EventDetail; timeZone: string }) {
  if (event.isAllDay) return <>{formatEventTime(event, { timeZone })}</>;
  const ownZone = differingZone(event, timeZone);
  const span = (zone: string) => `${formatAbsolute(event.startAt, { timeZone: zone })} → ${formatAbsolute(event.endAt, { timeZone: zone })}`;
  return (
    <>
      <span data-testid="event-detail-time">{span(timeZone)}</span>
      {ownZone ? (
        <span className="mt-0.5 block text-slate-600" data-testid="event-detail-own-zone">
          Scheduled in {ownZone.replaceAll("_", " ")}: {span(ownZone)}
        </span>
      ) : null}
    </>
  );
}

function Attendees({ attendees }: { attendees: EventDetail["attendees"] }) {
  if (attendees.length === 0) return null;
  return (
    <section className="mt-6" aria-labelledby="event-attendees">
      <h3 id="event-attendees" className="text-sm font-semibold text-slate-900">
        Attendees <span className="font-normal text-slate-500">({attendees.length})</span>
      </h3>
      <ul className="mt-2 divide-y divide-slate-100 rounded-lg border border-slate-200" data-testid="event-attendees">
        {attendees.map((attendee) => {
          const response = RESPONSE[attendee.response];
          return (
            <li key={attendee.email} className="flex flex-wrap items-center gap-x-2 gap-y-1 px-3 py-2 text-sm" data-testid="event-attendee">
              <span className="min-w-0 flex-1 break-words">
                <span className="font-medium text-slate-900">{attendee.name ?? attendee.email}</span>
                {attendee.name ? <span className="block text-xs text-slate-500">{attendee.email}</span> : null}
              </span>
              {attendee.organizer ? <Badge tone="brand">Organizer</Badge> : null}
              {attendee.resource ? <Badge tone="info">Room / resource</Badge> : null}
              {attendee.optional ? <Badge>Optional</Badge> : null}
              {attendee.self ? <Badge>You</Badge> : null}
              <Badge tone={response.tone}>{response.label}</Badge>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function Details({ event, timeZone }: { event: EventDetail; timeZone: string }) {
  const joinHref = safeHref(event.conference?.url ?? null);
  const webHref = safeHref(event.webLink);
  return (
    <>
      <Fields>
        <Field label="When">
          <When event={event} timeZone={timeZone} />
        </Field>
        <Field label="Calendar" testId="event-detail-calendar">
          {event.calendarName} <span className="text-slate-500">({event.accountEmail})</span>
        </Field>
        <Field label="Shows as">{BUSY[event.busyStatus]}</Field>
        <Field label="Visibility">{VISIBILITY[event.visibility]}</Field>
        {event.status !== "confirmed" ? <Field label="Status">{event.status === "tentative" ? "Tentative" : "Cancelled"}</Field> : null}
        <Field label="Location" testId="event-detail-location">
          {event.location || event.locationAddress ? (
            <>
              {event.location}
              {event.locationAddress && event.locationAddress !== event.location ? <span className="block text-slate-600">{event.locationAddress}</span> : null}
            </>
          ) : null}
        </Field>
        {event.conference ? (
          <Field label="Join" testId="event-detail-join">
            <span className="block">{CONFERENCE[event.conference.provider]}</span>
            {joinHref ? (
              <a href={joinHref} target="_blank" rel="noopener noreferrer" className="break-all text-brand-700 underline underline-offset-2">
                {event.conference.url}
              </a>
            ) : event.conference.url ? (
              <span className="break-all">{event.conference.url}</span>
            ) : null}
            {event.conference.dialIn ? <span className="block text-slate-600">Dial-in: {event.conference.dialIn}</span> : null}
          </Field>
        ) : null}
        {event.organizer ? (
          <Field label="Organizer">{event.organizer.name ? `${event.organizer.name} (${event.organizer.email})` : event.organizer.email}</Field>
        ) : null}
        {event.recurring ? (
          <Field label="Repeats" testId="event-detail-series">
            {event.seriesRule ?? "Part of a series"}
          </Field>
        ) : null}
        {event.meetingId ? (
          <Field label="Other copies" testId="event-detail-copies">
            {event.otherCopies === 0 ? "Only in this calendar" : `${event.otherCopies} in other calendars of your organization`}
          </Field>
        ) : null}
        <Field label="Last synced" testId="event-detail-synced">
          {event.calendarLastSyncedAt ? <RelativeTime date={event.calendarLastSyncedAt} /> : "Not yet"}
        </Field>
      </Fields>
      {event.descriptionText ? (
        <section className="mt-6" aria-labelledby="event-description">
          <h3 id="event-description" className="text-sm font-semibold text-slate-900">
            Description
          </h3>
          {/* Plain text only: the provider's HTML body is never rendered. */}
          <p className="mt-2 text-sm leading-6 break-words whitespace-pre-line text-slate-700" data-testid="event-detail-description">
            {event.descriptionText}
          </p>
        </section>
      ) : null}
      <Attendees attendees={event.attendees} />
      {webHref ? (
        <p className="mt-6 text-sm">
          <a href={webHref} target="_blank" rel="noopener noreferrer" className="font-medium text-brand-700 underline underline-offset-2">
            Open in {event.provider === "google" ? "Google Calendar" : "Outlook"}
          </a>
        </p>
      ) : null}
    </>
  );
}

/** The full record of one upcoming event, from GET /api/events/:id. */
export function EventDrawer({ id, title, timeZone, onClose }: { id: string | null; title: string; timeZone: string; onClose: () => void }) {
  const detail = useQuery({
    queryKey: eventDetailQueryKey(id ?? ""),
    queryFn: ({ signal }) => fetchJson<EventDetail>(`/api/events/${encodeURIComponent(id!)}`, { signal }),
    enabled: id !== null,
  });
  return (
    <Drawer open={id !== null} title={detail.data?.title || title || "(No title)"} onClose={onClose} testId="event-drawer">
      {detail.isPending ? (
        <div aria-busy="true">
          <p role="status" className="sr-only">
            Loading the event…
          </p>
          <div aria-hidden="true" className="space-y-3">
            {[0, 1, 2, 3, 4].map((row) => (
              <div key={row} className="h-4 animate-pulse rounded bg-slate-100 motion-reduce:animate-none" style={{ width: `${90 - row * 12}%` }} />
            ))}
          </div>
        </div>
      ) : detail.isError ? (
        <QueryErrorPanel error={detail.error} what="this event" onRetry={() => void detail.refetch()} retrying={detail.isFetching} />
      ) : (
        <Details event={detail.data} timeZone={timeZone} />
      )}
    </Drawer>
  );
}
