/** An event row's times as the dashboard's JSON carries them: instants as ISO strings, all-day dates as `YYYY-MM-DD`. */
export function eventTimes(event: { isAllDay: boolean; startAt: Date; endAt: Date; startDate: Date | null; endDate: Date | null }) {
  return {
    isAllDay: event.isAllDay,
    startAt: event.startAt.toISOString(),
    endAt: event.endAt.toISOString(),
    startDate: event.startDate ? event.startDate.toISOString().slice(0, 10) : null,
    endDate: event.endDate ? event.endDate.toISOString().slice(0, 10) : null,
  };
}
