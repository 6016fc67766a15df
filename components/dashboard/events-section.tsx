"use client";

import Link from "next/link";
import { useState } from "react";
import type { UpcomingEvent } from "@/lib/api/types";
import { ProviderDot } from "@/components/provider-meta";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { useNow } from "@/components/ui/use-now";
import { EventDrawer } from "./event-drawer";
import { differingZone, eventTimeTitle, formatEventTime, groupEventsByDay } from "./group-events";

function RecurringIcon() {
  return (
    <span className="inline-flex text-slate-500" title="Recurring event">
      <svg
        aria-hidden="true"
        viewBox="0 0 20 20"
        className="h-3.5 w-3.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinecap="round"
        strokeLinejoin="round"
      >
        <path d="M3.5 8.5a6.5 6.5 0 0 1 11.2-3.2L16.5 7" />
        <path d="M16.5 3v4h-4" />
        <path d="M16.5 11.5a6.5 6.5 0 0 1-11.2 3.2L3.5 13" />
        <path d="M3.5 17v-4h4" />
      </svg>
      <span className="sr-only">Recurring</span>
    </span>
  );
}

function EventRow({ event, timeZone, onOpen }: { event: UpcomingEvent; timeZone: string; onOpen: (event: UpcomingEvent) => void }) {
  const tentative = event.status === "tentative";
  const time = formatEventTime(event, { timeZone });
  const ownZone = event.isAllDay ? null : differingZone(event, timeZone);
  return (
    <li
      data-testid="event-row"
      data-event-id={event.id}
      className={cn(
        "flex flex-col gap-1 px-4 py-3 sm:flex-row sm:gap-4 sm:px-5",
        tentative && "bg-[repeating-linear-gradient(135deg,transparent,transparent_6px,rgb(248_250_252)_6px,rgb(248_250_252)_12px)]",
      )}
    >
      <p
        className="shrink-0 text-xs font-medium text-slate-500 tabular-nums sm:w-40 sm:pt-0.5 sm:text-sm"
        title={event.isAllDay ? undefined : eventTimeTitle(event, timeZone, ownZone)}
      >
        {event.isAllDay ? <span className="text-brand-700">{time}</span> : time}
        {!event.isAllDay && ownZone ? (
          <span className="ml-1 text-slate-400" data-testid="event-own-zone" aria-label={`Scheduled in ${ownZone.replaceAll("_", " ")}`}>
            🌐
          </span>
        ) : null}
      </p>
      <div className="min-w-0 flex-1">
        <p className="flex flex-wrap items-center gap-x-2 gap-y-1">
          <button
            type="button"
            data-testid="event-open"
            aria-haspopup="dialog"
            onClick={() => onOpen(event)}
            className={cn(
              "rounded-sm text-left text-sm font-medium break-words text-slate-900 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600",
              tentative && "text-slate-600 italic",
            )}
          >
            {event.title || "(No title)"}
          </button>
          {event.recurring ? <RecurringIcon /> : null}
          {tentative ? (
            <Badge tone="neutral" className="border border-dashed border-slate-300 ring-0">
              Tentative
            </Badge>
          ) : null}
        </p>
        <p className="mt-0.5 flex items-center gap-1.5 text-xs text-slate-500">
          <ProviderDot provider={event.provider} />
          <span className="truncate">{event.calendarName}</span>
        </p>
      </div>
    </li>
  );
}

export function EventsSection({ events, timeZone, hasSyncedCalendars }: { events: UpcomingEvent[]; timeZone: string; hasSyncedCalendars: boolean }) {
  // A minute is enough: it only moves "Today" at midnight and drops nothing by itself.
  const now = useNow(60_000);
  const days = groupEventsByDay(events, now, { timeZone });
  const [open, setOpen] = useState<{ id: string; title: string } | null>(null);

  if (days.length === 0) {
    return (
      <Card className="flex flex-col items-center px-6 py-12 text-center" data-testid="upcoming-events" data-empty="true">
        <svg aria-hidden="true" viewBox="0 0 24 24" className="h-10 w-10 text-slate-300" fill="none" stroke="currentColor" strokeWidth="1.5">
          <rect x="3" y="4" width="18" height="17" rx="3" />
          <path d="M3 9h18M8 2v4M16 2v4" strokeLinecap="round" />
        </svg>
        <p className="mt-3 text-sm font-medium text-slate-900">Nothing in the next 7 days</p>
        <p className="mt-1 max-w-sm text-sm text-slate-600">
          {hasSyncedCalendars
            ? "No events in the calendars you sync. New events show up here within seconds of being created."
            : "Turn on sync for a calendar, or connect one, and its events show up here."}
        </p>
        <Link href="/onboarding/connect-calendar" className="mt-4 text-sm font-medium text-brand-700 underline-offset-2 hover:underline">
          Connect a calendar
        </Link>
      </Card>
    );
  }

  return (
    <Card className="overflow-hidden">
      <ol data-testid="upcoming-events" aria-label="Upcoming events, by day">
        {days.map((day) => (
          <li key={day.key} aria-labelledby={`day-${day.key}`} className="[&:first-child>h3]:border-t-0">
            <h3
              id={`day-${day.key}`}
              className="border-y border-slate-100 bg-slate-50 px-4 py-2 text-xs font-semibold tracking-wide text-slate-600 uppercase sm:px-5"
            >
              {day.label}
              <span className="ml-2 font-normal tracking-normal text-slate-500 normal-case">
                {day.events.length} {day.events.length === 1 ? "event" : "events"}
              </span>
            </h3>
            <ul className="divide-y divide-slate-100">
              {day.events.map((event) => (
                <EventRow key={event.id} event={event} timeZone={timeZone} onOpen={(picked) => setOpen({ id: picked.id, title: picked.title })} />
              ))}
            </ul>
          </li>
        ))}
      </ol>
      <EventDrawer id={open?.id ?? null} title={open?.title ?? ""} timeZone={timeZone} onClose={() => setOpen(null)} />
    </Card>
  );
}
