import { syncHorizon } from "@/lib/config";
import { db, type Database } from "@/lib/db/client";
import type { HandlerResult, JobPayloads, SyncTrigger } from "@/lib/jobs/catalog";
import { logger } from "@/lib/log";
import { withAccessToken } from "@/lib/oauth/tokens";
import { ProviderError, isProviderError } from "@/lib/providers/errors";
import type { ChangesPage, ChangesRequest, SeriesRecord } from "@/lib/providers/port";
import { metrics } from "@/lib/telemetry/metrics";
import { ATTR, contextFromTraceparent, inSpan, SPAN, withAttempt } from "@/lib/telemetry/tracing";
import { hasPendingNotifications, markCoveredFailed, markCoveredProcessed } from "@/lib/webhooks/processing";
import { privacySettings } from "@/lib/privacy/settings";
import {
  applyPage,
  clearSweep,
  deleteOrphanSeries,
  MIRRORED_WHERE,
  MirroringStoppedError,
  seriesIdsOf,
  startSweep,
  sweepUnseen,
  type FullSyncSweep,
} from "./store";
import { errorMessage } from "@/lib/format";
import { scheduleFirstPoll } from "./poll";
import { backOffPolls } from "./poll-backoff";

// The sync engine: pulls a calendar's changes through the provider port and mirrors
// them into `events`. Incremental from the stored cursor; full when there is none,
// when asked, when the provider says the cursor is dead, or when the mirrored window
// has drifted a week. Every page is applied in its own transaction; the new cursor
// is stored only after the last page, so an interrupted run repeats, never skips.
// The next page is fetched while the current one is written, so a round costs about
// the larger of the provider's time and the database's, not their sum; pages are
// the provider's largest (the adapters choose), and a full round keeps no list of
// what it saw in memory (the sweep's ids are in the database).

const DAY_MS = 24 * 60 * 60_000;
/** Re-baseline once the window's start is this far behind where it should be. */
const WINDOW_DRIFT_MS = 7 * DAY_MS;
/** A Retry-After up to this long is waited out inside the run; longer ones go back to the job's retry. */
const MAX_INLINE_WAIT_MS = 30_000;
const MAX_INLINE_RETRIES = 3;

export interface SyncOutcome {
  status: "succeeded" | "skipped";
  reason?: string;
  syncRunId?: string;
  mode?: "incremental" | "full";
  created: number;
  updated: number;
  deleted: number;
  pages: number;
  providerCalls: number;
  durationMs: number;
}

export function windowFor(now: Date, horizon = syncHorizon()): { start: Date; end: Date } {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return { start: new Date(midnight - horizon.pastDays * DAY_MS), end: new Date(midnight + horizon.futureDays * DAY_MS) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A page fetched ahead of its turn: if the run fails before awaiting it, its own
 * failure must not surface as an unhandled rejection (the run's error is the one).
 */
function prefetch<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

interface Counters {
  created: number;
  updated: number;
  deleted: number;
  pages: number;
  providerCalls: number;
}

interface SyncInput {
  organizationId: string;
  calendarId: string;
  trigger: SyncTrigger;
  mode?: "incremental" | "full";
  /** The traceparent the job carried (lib/jobs/catalog.ts): the run's span continues that trace. */
  trace?: string;
  /** When the job was requested (ISO, stamped by the driver): a run that started since then covers it. */
  requestedAt?: string;
  now?: () => Date;
}

/**
 * Syncs one calendar of `organizationId`. Throws a ProviderError the job driver can
 * retry (rate limited, unavailable) or must not (reauthorization required).
 * Each run is a `sync.run` span (its provider calls are children) and counts in
 * the sync metrics by outcome.
 */
export function syncCalendar(input: SyncInput): Promise<SyncOutcome> {
  const attributes = { [ATTR.calendarId]: input.calendarId, [ATTR.trigger]: input.trigger };
  return inSpan(
    SPAN.syncRun,
    attributes,
    async (span) => {
      const startedAt = performance.now();
      const record = (outcome: "succeeded" | "skipped" | "failed") => {
        metrics().syncRuns.inc({ trigger: input.trigger, outcome });
        metrics().syncRunSeconds.observe({ outcome }, (performance.now() - startedAt) / 1000);
        span.setAttribute(ATTR.outcome, outcome);
      };
      try {
        const outcome = await runSync(input);
        record(outcome.status);
        span.setAttributes({
          [ATTR.pages]: outcome.pages,
          [ATTR.providerCalls]: outcome.providerCalls,
          ...(outcome.mode ? { [ATTR.mode]: outcome.mode } : {}),
        });
        return outcome;
      } catch (err) {
        record("failed");
        throw err;
      }
    },
    contextFromTraceparent(input.trace),
  );
}

async function runSync(input: SyncInput): Promise<SyncOutcome> {
  const now = input.now ?? (() => new Date());
  const started = Date.now();
  const database = await db();
  const calendar = await database.calendar.findFirst({
    where: { id: input.calendarId, organizationId: input.organizationId },
    include: { connection: { select: { id: true, provider: true, status: true, accountEmail: true } } },
  });
  const skipped = (reason: string): SyncOutcome => ({
    status: "skipped",
    reason,
    created: 0,
    updated: 0,
    deleted: 0,
    pages: 0,
    providerCalls: 0,
    durationMs: Date.now() - started,
  });
  if (!calendar) return skipped("calendar not found");
  if (!calendar.syncEnabled) return skipped("sync is off for this calendar");
  if (calendar.connection.status !== "active") return skipped(`connection is ${calendar.connection.status}`);
  if (await coveredAlready(database, calendar, input.requestedAt)) return skipped("covered");

  const target = windowFor(now());
  const drifted = !calendar.syncWindowStart || target.start.getTime() - calendar.syncWindowStart.getTime() > WINDOW_DRIFT_MS;
  let mode: "incremental" | "full" = input.mode === "full" || !calendar.syncCursor || drifted ? "full" : "incremental";
  const run = await database.syncRun.create({
    data: { organizationId: calendar.organizationId, calendarId: calendar.id, trigger: input.trigger, mode },
    select: { id: true, startedAt: true },
  });
  const counters: Counters = { created: 0, updated: 0, deleted: 0, pages: 0, providerCalls: 0 };
  const privacy = await privacySettings(calendar.organizationId);
  const scope = { organizationId: calendar.organizationId, calendarId: calendar.id, privacy };
  const coverage = { calendarId: calendar.id, connectionId: calendar.connection.id, runStartedAt: run.startedAt };

  const fetchPage = (request: ChangesRequest): Promise<ChangesPage> =>
    withProviderRetry(() => {
      counters.providerCalls += 1;
      return withAccessToken(calendar.connection, (token, provider) => provider.fetchChanges(token, request));
    });

  // A series' rule comes from its master, once per run: instances of one series
  // arrive across pages, and a changed rule shows as changed instances.
  const seriesFetched = new Set<string>();
  const fetchSeries = async (ids: string[]): Promise<SeriesRecord[]> => {
    const wanted = ids.filter((id) => !seriesFetched.has(id));
    if (wanted.length === 0) return [];
    for (const id of wanted) seriesFetched.add(id);
    return withProviderRetry(() => {
      counters.providerCalls += 1;
      return withAccessToken(calendar.connection, (token, provider) =>
        provider.fetchSeries(token, { providerCalendarId: calendar.providerCalendarId, providerSeriesIds: wanted }),
      );
    });
  };

  let sweep: FullSyncSweep | undefined;
  const round = async (cursor: string | null, window: { start: Date; end: Date }): Promise<string> => {
    // A new run's id: nothing is recorded under it yet.
    if (cursor === null) sweep = startSweep(run.id);
    const request = (pageToken: string | null): ChangesRequest => ({
      providerCalendarId: calendar.providerCalendarId,
      calendarTimeZone: calendar.timeZone,
      ownerEmail: calendar.connection.accountEmail,
      cursor,
      pageToken,
      window,
    });
    let next = prefetch(fetchPage(request(null)));
    for (;;) {
      const page = await next;
      counters.pages += 1;
      // Ask for the following page before writing this one.
      if (page.nextPageToken) next = prefetch(fetchPage(request(page.nextPageToken)));
      const series = await fetchSeries(seriesIdsOf(page.changes));
      const counts = await applyPage(scope, page.changes, window, sweep, series);
      counters.created += counts.created;
      counters.updated += counts.updated;
      counters.deleted += counts.deleted;
      if (page.nextPageToken) continue;
      if (!page.nextCursor) throw new ProviderError("failed", "the provider ended a sync round without a cursor");
      if (sweep) {
        counters.deleted += await sweepUnseen(database, scope, sweep);
        sweep = undefined;
      }
      await deleteOrphanSeries(database, calendar.id);
      return page.nextCursor;
    }
  };

  try {
    let cursor: string;
    let window = { start: calendar.syncWindowStart ?? target.start, end: calendar.syncWindowEnd ?? target.end };
    if (mode === "full") {
      window = target;
      cursor = await round(null, window);
    } else {
      try {
        cursor = await round(calendar.syncCursor, window);
      } catch (err) {
        if (!isProviderError(err, "cursor_expired")) throw err;
        // The provider forgot our place: start over from nothing, deleting what is gone.
        logger.info("sync.cursor_expired", { calendarId: calendar.id, code: err.code });
        mode = "full";
        window = target;
        cursor = await round(null, window);
      }
    }
    const finishedAt = now();
    const durationMs = Date.now() - started;
    await database.$transaction(async (tx) => {
      // Only while still mirrored: a stopMirroring that committed during the run
      // cleared the cursor and window, and putting them back would resume a
      // calendar nobody mirrors. The row lock orders the two either way.
      const stored = await tx.calendar.updateMany({
        where: { id: calendar.id, organizationId: calendar.organizationId, ...MIRRORED_WHERE },
        data: {
          syncCursor: cursor,
          syncWindowStart: window.start,
          syncWindowEnd: window.end,
          lastSyncedAt: finishedAt,
          // The real clock, like the request's stamp (input.now may be a test's).
          lastSyncStartedAt: new Date(started),
          ...(input.trigger === "poll" ? { lastPolledAt: finishedAt } : {}),
        },
      });
      if (stored.count === 0) throw new MirroringStoppedError();
      // A success ends any quota back-off of the connection's poll.
      await tx.calendarConnection.update({
        where: { id: calendar.connection.id },
        data: { lastSyncedAt: finishedAt, lastError: null, pollBackoffLevel: 0, pollBackoffUntil: null },
      });
      await tx.syncRun.update({ where: { id: run.id }, data: { ...counters, mode, status: "succeeded", durationMs, finishedAt } });
      // Notifications that arrived before this run started are covered by it.
      await markCoveredProcessed(tx, coverage);
    });
    if (input.trigger === "poll") await flagSilentChanges(calendar.id, calendar.connection.id, calendar.lastSyncedAt, counters);
    if (calendar.nextPollAt === null) await scheduleFirstPoll(calendar.id, finishedAt);
    return { status: "succeeded", syncRunId: run.id, mode, ...counters, durationMs };
  } catch (err) {
    const message = errorMessage(err);
    if (sweep) await clearSweep(database, sweep).catch(() => {});
    await database.syncRun
      .update({
        where: { id: run.id },
        data: { ...counters, mode, status: "failed", error: message.slice(0, 1000), durationMs: Date.now() - started, finishedAt: now() },
      })
      .catch(() => {});
    // Not a failure of the provider or of ours, and nothing to retry: the run is
    // recorded as ended with the reason, and the outcome says it was skipped.
    if (err instanceof MirroringStoppedError) return skipped("the calendar stopped being mirrored during the run");
    if (input.trigger === "poll") await database.calendar.update({ where: { id: calendar.id }, data: { lastPolledAt: now() } }).catch(() => {});
    if (isProviderError(err, "rate_limited")) {
      await backOffPolls(calendar.connection.id, err, now()).catch((backoffError: unknown) =>
        logger.error("connection.poll_backoff_failed", { connectionId: calendar.connection.id, error: errorMessage(backoffError) }),
      );
    }
    // Losing this bookkeeping must not hide the failure itself: the events stay
    // pending, and recovery or the next covering run takes them up.
    await markCoveredFailed({ ...coverage, error: err, now: now() }).catch((markingError: unknown) =>
      logger.error("webhook_events.mark_failed_failed", {
        calendarId: calendar.id,
        error: markingError instanceof Error ? markingError : String(markingError),
      }),
    );
    throw err;
  }
}

/**
 * A request is covered, and answered with no provider call, when a succeeded sync of
 * its calendar started at or after the request was made: that run read everything
 * the request could be about. Two more conditions keep it safe: the cursor is still
 * there (clearing it asks for a full sync, whatever ran before), and no notification
 * for the calendar is pending (an acknowledged one is never left to a comparison of
 * two hosts' clocks). This is what turns the requests Inngest's throttle queues
 * behind a sync into no-ops (inngest/functions.ts).
 */
async function coveredAlready(
  database: Database,
  calendar: { id: string; syncCursor: string | null; lastSyncStartedAt: Date | null; connection: { id: string } },
  requestedAt: string | undefined,
): Promise<boolean> {
  const asked = requestedAt === undefined ? Number.NaN : Date.parse(requestedAt);
  if (Number.isNaN(asked) || !calendar.lastSyncStartedAt || calendar.syncCursor === null) return false;
  if (calendar.lastSyncStartedAt.getTime() < asked) return false;
  return !(await hasPendingNotifications(database, { calendarId: calendar.id, connectionId: calendar.connection.id }));
}

/** Waits out short rate limits and blips inside the run; anything longer is the job driver's to retry. */
async function withProviderRetry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await withAttempt(attempt, call);
    } catch (err) {
      if (!isProviderError(err) || !err.transient || attempt > MAX_INLINE_RETRIES) throw err;
      const wait = err.retryAfterMs ?? 500 * 2 ** (attempt - 1);
      if (wait > MAX_INLINE_WAIT_MS) throw err;
      await sleep(wait);
    }
  }
}

/**
 * A poll that finds changes no notification announced means push is not reaching us
 * for this calendar: flag its subscription as suspect (the admin pages show it, and
 * the renewal job replaces suspect subscriptions).
 */
async function flagSilentChanges(calendarId: string, connectionId: string, previousSync: Date | null, counters: Counters): Promise<void> {
  if (counters.created + counters.updated + counters.deleted === 0 || !previousSync) return;
  const database = await db();
  const flagged = await database.webhookSubscription.updateMany({
    where: {
      connectionId,
      status: "active",
      OR: [{ calendarId }, { calendarId: null }],
      AND: [{ OR: [{ lastNotificationAt: null }, { lastNotificationAt: { lt: previousSync } }] }],
    },
    data: { suspect: true, suspectCount: { increment: 1 } },
  });
  if (flagged.count > 0) logger.warn("subscription.suspect", { calendarId, changes: counters.created + counters.updated + counters.deleted });
}

/** The job: one sync; a skipped calendar is not an error. */
export async function syncCalendarJob(data: JobPayloads["calendar/sync.requested"]): Promise<HandlerResult> {
  const outcome = await syncCalendar(data);
  // Each applied change is in the change log by now; webhook endpoints hear of them.
  const changed = outcome.created + outcome.updated + outcome.deleted > 0;
  return { followUps: changed ? [{ name: "outbound/changes.appended", data: { organizationId: data.organizationId } }] : [], summary: { ...outcome } };
}
