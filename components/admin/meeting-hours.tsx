"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { MeetingHoursResponse } from "@/lib/api/types";
import { useBrowserTimeZone } from "@/components/dashboard/dashboard";
import { formatDayKey } from "@/components/format/time";
import { QueryErrorPanel } from "@/components/query-state";
import { Card } from "@/components/ui/card";
import { adminQueryKey, fetchMeetingHours } from "./queries";
import { niceAxis } from "./chart-scale";

const WEEK_CHOICES = [4, 8, 12] as const;
const hours = (value: number) => `${value.toLocaleString("en-US", { maximumFractionDigits: 1 })} h`;

export interface PersonHours {
  email: string;
  name: string | null;
  total: number;
  byWeek: Map<string, number>;
}

/** Rows (person × week) into people with their weekly hours, busiest first. */
export function peopleOf(rows: MeetingHoursResponse["rows"]): { people: PersonHours[]; weeks: string[] } {
  const people = new Map<string, PersonHours>();
  const weeks = new Set<string>();
  for (const row of rows) {
    weeks.add(row.week);
    const person = people.get(row.email) ?? { email: row.email, name: row.name, total: 0, byWeek: new Map() };
    person.total += row.hours;
    person.byWeek.set(row.week, (person.byWeek.get(row.week) ?? 0) + row.hours);
    people.set(row.email, person);
  }
  return { people: [...people.values()].sort((a, b) => b.total - a.total || a.email.localeCompare(b.email)), weeks: [...weeks].sort() };
}

/**
 * Meeting hours per person: a bar per person for the whole period (a person counts
 * once per meeting, however many calendars hold it), and the weeks in a table.
 */
export function MeetingHours() {
  const timeZone = useBrowserTimeZone();
  const [weeks, setWeeks] = useState<number>(8);
  const query = useQuery({
    queryKey: [...adminQueryKey, "meeting-hours", weeks, timeZone],
    queryFn: ({ signal }) => fetchMeetingHours({ weeks, timeZone: timeZone ?? "UTC" }, signal),
    enabled: timeZone !== null,
  });
  if (query.isError) return <QueryErrorPanel error={query.error} what="meeting hours" onRetry={() => void query.refetch()} retrying={query.isFetching} />;
  const { people, weeks: weekKeys } = peopleOf(query.data?.rows ?? []);
  const axis = niceAxis(Math.max(0, ...people.map((person) => person.total)));
  return (
    <div className="space-y-6">
      <div className="flex items-center gap-2 text-sm">
        <span className="text-slate-600">Last</span>
        {WEEK_CHOICES.map((choice) => (
          <button
            key={choice}
            type="button"
            onClick={() => setWeeks(choice)}
            aria-pressed={weeks === choice}
            className={`rounded-md px-2.5 py-1 font-medium ${weeks === choice ? "bg-brand-600 text-white" : "bg-slate-100 text-slate-700 hover:bg-slate-200"}`}
          >
            {choice} weeks
          </button>
        ))}
        {timeZone ? <span className="ml-auto text-xs text-slate-500">Weeks start on Monday in {timeZone.replaceAll("_", " ")}</span> : null}
      </div>
      <Card className="p-4 sm:p-5">
        <figure data-testid="meeting-hours-chart" data-people={people.length}>
          <figcaption>
            <h3 className="text-sm font-semibold text-slate-900">Meeting hours per person</h3>
            <p className="mt-0.5 text-xs text-slate-500">Accepted or tentative, each meeting once per person, over the last {weeks} weeks.</p>
          </figcaption>
          {query.isPending ? (
            <p className="mt-4 text-sm text-slate-500">Loading…</p>
          ) : people.length === 0 ? (
            <p className="mt-4 text-sm text-slate-500">No meetings with other people in this period.</p>
          ) : (
            <ul className="mt-4 space-y-2" aria-label="Hours per person">
              {people.map((person) => (
                <li
                  key={person.email}
                  data-testid="meeting-hours-person"
                  data-email={person.email}
                  data-hours={person.total}
                  className="grid grid-cols-[minmax(0,12rem)_1fr_4rem] items-center gap-3 text-sm"
                >
                  <span className="truncate text-slate-700" title={person.email}>
                    {person.name ?? person.email}
                  </span>
                  <span className="h-3 rounded bg-slate-100">
                    <span className="block h-3 rounded bg-brand-500" style={{ width: `${(person.total / axis.max) * 100}%` }} />
                  </span>
                  <span className="text-right text-slate-600 tabular-nums">{hours(person.total)}</span>
                </li>
              ))}
            </ul>
          )}
        </figure>
      </Card>
      {people.length > 0 ? (
        <Card className="overflow-x-auto">
          <table className="min-w-full text-sm" data-testid="meeting-hours-table">
            <thead className="bg-slate-50 text-xs text-slate-600">
              <tr>
                <th scope="col" className="px-4 py-2 text-left font-semibold">
                  Person
                </th>
                {weekKeys.map((week) => (
                  <th key={week} scope="col" className="px-3 py-2 text-right font-semibold whitespace-nowrap">
                    {formatDayKey(week, { short: true })}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {people.map((person) => (
                <tr key={person.email}>
                  <th scope="row" className="px-4 py-2 text-left font-normal text-slate-700">
                    {person.email}
                  </th>
                  {weekKeys.map((week) => (
                    <td key={week} className="px-3 py-2 text-right text-slate-600 tabular-nums">
                      {person.byWeek.has(week) ? hours(person.byWeek.get(week)!) : "–"}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      ) : null}
    </div>
  );
}
