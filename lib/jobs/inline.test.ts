import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CRON_JOBS, EVENT_JOBS, type HandlerResult, type JobHandlers, type JobPayloads } from "@/lib/jobs/catalog";
import { createInlineDriver, type InlineDriver, type InlineDriverOptions } from "@/lib/jobs/inline";
import { logger } from "@/lib/log";
import { ProviderError, type ProviderErrorKind } from "@/lib/providers/errors";

type SyncRequest = JobPayloads["calendar/sync.requested"];

const SYNC = EVENT_JOBS.calendarSync;
const { minIntervalMs } = SYNC.coalesce;

function sync(calendarId: string, extra: Partial<SyncRequest> = {}): SyncRequest {
  return { organizationId: "org-1", calendarId, trigger: "webhook", ...extra };
}

/** Handlers that record their calls; each test overrides what it exercises. */
function recordingHandlers(
  overrides: { sync?: (data: SyncRequest) => Promise<HandlerResult> } & Partial<JobHandlers["crons"]> &
    Partial<Omit<JobHandlers["events"], "calendar/sync.requested">> = {},
) {
  const calls = {
    sync: [] as Array<{ at: number; data: SyncRequest }>,
    connected: 0,
    lifecycle: 0,
    poll: 0,
    renew: 0,
    retryWebhookEvents: 0,
    cleanupWebhookEvents: 0,
  };
  const handlers: JobHandlers = {
    events: {
      "calendar/sync.requested": async (data) => {
        calls.sync.push({ at: Date.now(), data });
        return (await overrides.sync?.(data)) ?? {};
      },
      "connection/connected": async (data) => {
        calls.connected += 1;
        return (await overrides["connection/connected"]?.(data)) ?? {};
      },
      "subscription/lifecycle": async (data) => {
        calls.lifecycle += 1;
        return (await overrides["subscription/lifecycle"]?.(data)) ?? {};
      },
      "connection/calendars.refresh": async () => ({}),
      "outbound/changes.appended": async (data) => (await overrides["outbound/changes.appended"]?.(data)) ?? {},
      "outbound/deliver.requested": async (data) => (await overrides["outbound/deliver.requested"]?.(data)) ?? {},
    },
    crons: {
      discoverCalendars: async () => ({}),
      poll: async () => {
        calls.poll += 1;
        return (await overrides.poll?.()) ?? {};
      },
      renew: async () => {
        calls.renew += 1;
        return (await overrides.renew?.()) ?? {};
      },
      retryWebhookEvents: async () => {
        calls.retryWebhookEvents += 1;
        return (await overrides.retryWebhookEvents?.()) ?? {};
      },
      cleanupWebhookEvents: async () => {
        calls.cleanupWebhookEvents += 1;
        return (await overrides.cleanupWebhookEvents?.()) ?? {};
      },
      sweepDeliveries: async () => (await overrides.sweepDeliveries?.()) ?? {},
      pruneChanges: async () => (await overrides.pruneChanges?.()) ?? {},
    },
  };
  return { calls, handlers };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const drivers: InlineDriver[] = [];
function driverWith(handlers: JobHandlers, options: Partial<InlineDriverOptions> = {}): InlineDriver {
  // Jitter pinned to its lower bound, so a delay is exactly half the backoff ceiling.
  const driver = createInlineDriver({ handlers, random: () => 0, ...options });
  drivers.push(driver);
  return driver;
}

let start = 0;
beforeEach(() => {
  vi.useFakeTimers();
  start = Date.now();
  vi.spyOn(logger, "warn").mockImplementation(() => {});
  vi.spyOn(logger, "error").mockImplementation(() => {});
});

afterEach(() => {
  for (const driver of drivers.splice(0)) driver.stop();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("coalesce: leading edge and a minimum interval", () => {
  it("syncs the first notification for a quiet calendar at once", async () => {
    const { calls, handlers } = recordingHandlers();
    const driver = driverWith(handlers);
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.sync.map((call) => call.at - start)).toEqual([0]);
    await driver.idle();
    // Quiet for an interval: the next one is a leading edge again.
    await vi.advanceTimersByTimeAsync(minIntervalMs);
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.sync.map((call) => call.at - start)).toEqual([0, minIntervalMs]);
  });

  it("turns a burst of 50 notifications for one calendar into one leading and one trailing run", async () => {
    const { calls, handlers } = recordingHandlers();
    const driver = driverWith(handlers);
    for (let i = 0; i < 50; i += 1) {
      driver.dispatch("calendar/sync.requested", sync("cal-a", { organizationId: `org-${i}` }));
      await vi.advanceTimersByTimeAsync(20);
    }
    await vi.advanceTimersByTimeAsync(minIntervalMs);
    await driver.idle();
    expect(calls.sync.map((call) => call.at - start)).toEqual([0, minIntervalMs]);
    // The trailing run carries the last request it took in, stamped when it was made.
    expect(calls.sync.map((call) => call.data.organizationId)).toEqual(["org-0", "org-49"]);
    expect(calls.sync[1]!.data.requestedAt).toBe(new Date(start + 49 * 20).toISOString());
  });

  it("never runs a calendar twice within an interval under a steady stream, and covers its last notification", async () => {
    const { calls, handlers } = recordingHandlers();
    const driver = driverWith(handlers);
    // One notification a second for 10 s.
    for (let i = 0; i < 10; i += 1) {
      driver.dispatch("calendar/sync.requested", sync("cal-a", { organizationId: `org-${i}` }));
      await vi.advanceTimersByTimeAsync(1_000);
    }
    await vi.advanceTimersByTimeAsync(minIntervalMs);
    await driver.idle();
    const starts = calls.sync.map((call) => call.at - start);
    const gaps = starts.slice(1).map((at, index) => at - starts[index]!);
    expect(gaps.every((gap) => gap >= minIntervalMs)).toBe(true);
    expect(starts).toEqual([0, 2_000, 4_000, 6_000, 8_000, 10_000]);
    // The last run started after the last request: nothing acknowledged is left uncovered.
    expect(calls.sync.at(-1)!.data.organizationId).toBe("org-9");
    expect(Date.parse(calls.sync.at(-1)!.data.requestedAt!)).toBeLessThanOrEqual(start + starts.at(-1)!);
  });

  it("keeps calendars apart", async () => {
    const { calls, handlers } = recordingHandlers();
    const driver = driverWith(handlers);
    for (let i = 0; i < 10; i += 1) {
      driver.dispatch("calendar/sync.requested", sync("cal-a"));
      driver.dispatch("calendar/sync.requested", sync("cal-b"));
    }
    await vi.advanceTimersByTimeAsync(minIntervalMs);
    await driver.idle();
    expect(calls.sync.map((call) => `${call.data.calendarId}@${call.at - start}`).sort()).toEqual([
      "cal-a@0",
      `cal-a@${minIntervalMs}`,
      "cal-b@0",
      `cal-b@${minIntervalMs}`,
    ]);
  });

  it("starts the trailing run when a long run ends, not before", async () => {
    const gate = deferred();
    const { calls, handlers } = recordingHandlers({ sync: async () => (calls.sync.length === 1 ? (await gate.promise, {}) : {}) });
    const driver = driverWith(handlers);
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    await vi.advanceTimersByTimeAsync(500);
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    await vi.advanceTimersByTimeAsync(4_500);
    expect(calls.sync).toHaveLength(1);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    await driver.idle();
    expect(calls.sync.map((call) => call.at - start)).toEqual([0, 5_000]);
  });

  it("carries the last request into the trailing run, as the catalog says and the throttled Inngest run that syncs does", async () => {
    const { calls, handlers } = recordingHandlers();
    const driver = driverWith(handlers);
    driver.dispatch("calendar/sync.requested", sync("cal-a", { trigger: "webhook", organizationId: "first" }));
    driver.dispatch("calendar/sync.requested", sync("cal-a", { trigger: "manual", mode: "full" }));
    driver.dispatch("calendar/sync.requested", sync("cal-a", { trigger: "poll", organizationId: "last" }));
    await vi.advanceTimersByTimeAsync(minIntervalMs);
    await driver.idle();
    const requestedAt = new Date(start).toISOString();
    expect(calls.sync.map((call) => call.data)).toEqual([
      { organizationId: "first", calendarId: "cal-a", trigger: "webhook", requestedAt },
      { organizationId: "last", calendarId: "cal-a", trigger: "poll", requestedAt },
    ]);
  });
});

describe("trace context", () => {
  const traceparent = (n: number) => `00-${"a".repeat(31)}${n}-${"b".repeat(15)}${n}-01`;

  it("passes the payload's traceparent through, and a burst keeps its last event's", async () => {
    const { calls, handlers } = recordingHandlers();
    const driver = driverWith(handlers);
    driver.dispatch("calendar/sync.requested", sync("cal-a", { trace: traceparent(1) }));
    driver.dispatch("calendar/sync.requested", sync("cal-a", { trace: traceparent(2) }));
    driver.dispatch("calendar/sync.requested", sync("cal-b", { trace: traceparent(3) }));
    await vi.advanceTimersByTimeAsync(minIntervalMs);
    await driver.idle();
    expect(Object.fromEntries(calls.sync.map((call) => [call.data.calendarId, call.data.trace]))).toEqual({ "cal-a": traceparent(2), "cal-b": traceparent(3) });
  });
});

describe("queue depth", () => {
  it("reports trailing, queued and running work to the metrics until the driver stops", async () => {
    const { metrics } = await import("@/lib/telemetry/metrics");
    const depth = async () => {
      const gauge = (await metrics().registry.getSingleMetric("calsync_job_queue_depth")?.get())?.values ?? [];
      return Object.fromEntries(gauge.map((value) => [value.labels.state, value.value]));
    };
    const gate = deferred();
    const { handlers } = recordingHandlers({ sync: async () => (await gate.promise, {}) });
    const driver = driverWith(handlers, { maxConcurrentRuns: 1 });
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    driver.dispatch("calendar/sync.requested", sync("cal-b"));
    await vi.advanceTimersByTimeAsync(0);
    expect(await depth()).toEqual({ trailing: 0, queued: 1, running: 1, retrying: 0 });
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    expect(await depth()).toEqual({ trailing: 1, queued: 1, running: 1, retrying: 0 });
    gate.resolve();
    await vi.advanceTimersByTimeAsync(minIntervalMs);
    await driver.idle();
    expect(await depth()).toEqual({ trailing: 0, queued: 0, running: 0, retrying: 0 });
    driver.stop();
    expect(await depth()).toEqual({});
  });
});

describe("concurrency", () => {
  it("turns notifications that arrive during a run into exactly one more run", async () => {
    const gate = deferred();
    let active = 0;
    let mostActive = 0;
    const { calls, handlers } = recordingHandlers({
      sync: async () => {
        active += 1;
        mostActive = Math.max(mostActive, active);
        if (calls.sync.length === 1) await gate.promise;
        active -= 1;
        return {};
      },
    });
    const driver = driverWith(handlers);
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    await vi.advanceTimersByTimeAsync(minIntervalMs);
    expect(calls.sync).toHaveLength(1);

    // 30 s of notifications while the first run hangs: many intervals pass.
    for (let i = 0; i < 30; i += 1) {
      driver.dispatch("calendar/sync.requested", sync("cal-a", { organizationId: `org-${i}` }));
      await vi.advanceTimersByTimeAsync(1_000);
    }
    await vi.advanceTimersByTimeAsync(minIntervalMs);
    expect(calls.sync).toHaveLength(1);

    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    await driver.idle();
    expect(calls.sync).toHaveLength(2);
    expect(calls.sync[1]!.data.organizationId).toBe("org-29");
    expect(mostActive).toBe(1);
  });

  it("runs different calendars side by side, up to the process ceiling", async () => {
    const gates = [deferred(), deferred(), deferred()];
    let active = 0;
    let mostActive = 0;
    const { calls, handlers } = recordingHandlers({
      sync: async () => {
        active += 1;
        mostActive = Math.max(mostActive, active);
        await gates[calls.sync.length - 1]!.promise;
        active -= 1;
        return {};
      },
    });
    const driver = driverWith(handlers, { maxConcurrentRuns: 2 });
    for (const id of ["cal-a", "cal-b", "cal-c"]) driver.dispatch("calendar/sync.requested", sync(id));
    await vi.advanceTimersByTimeAsync(minIntervalMs);
    expect(calls.sync).toHaveLength(2);
    gates[0]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.sync).toHaveLength(3);
    gates[1]!.resolve();
    gates[2]!.resolve();
    await driver.idle();
    expect(mostActive).toBe(2);
  });
});

describe("retries", () => {
  it("waits at least the provider's Retry-After before the next attempt", async () => {
    const { calls, handlers } = recordingHandlers({
      sync: async () => {
        if (calls.sync.length === 1) throw new ProviderError("rate_limited", "slow down", { status: 429, retryAfterMs: 3_000 });
        return {};
      },
    });
    const driver = driverWith(handlers);
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.sync).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(calls.sync).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await driver.idle();
    expect(calls.sync).toHaveLength(2);
    expect(calls.sync[1]!.at - calls.sync[0]!.at).toBe(3_000);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it("backs off by the catalog's policy when the provider named no wait", async () => {
    const { calls, handlers } = recordingHandlers({
      sync: async () => {
        if (calls.sync.length <= 2) throw new ProviderError("unavailable", "503", { status: 503 });
        return {};
      },
    });
    const driver = driverWith(handlers);
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    await vi.advanceTimersByTimeAsync(minIntervalMs + 60_000);
    await driver.idle();
    const gaps = calls.sync.slice(1).map((call, index) => call.at - calls.sync[index]!.at);
    // Full jitter at its lower bound: half of base * 2^(n-1).
    expect(gaps).toEqual([SYNC.retry.baseDelayMs / 2, SYNC.retry.baseDelayMs]);
  });

  it.each<ProviderErrorKind>(["rejected", "reauthorization_required", "not_found"])("does not retry a %s provider error", async (kind) => {
    const { calls, handlers } = recordingHandlers({
      sync: async () => {
        throw new ProviderError(kind, `failed: ${kind}`);
      },
    });
    const driver = driverWith(handlers);
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    await vi.advanceTimersByTimeAsync(minIntervalMs + 60 * 60_000);
    await driver.idle();
    expect(calls.sync).toHaveLength(1);
    expect(logger.error).toHaveBeenCalledWith("job failed", expect.objectContaining({ job: SYNC.id, attempt: 1 }));
  });

  it.each<[string, () => Error]>([
    ["an unexpected error", () => new TypeError("boom")],
    ["an expired cursor", () => new ProviderError("cursor_expired", "410", { status: 410 })],
    ["an unauthorized call", () => new ProviderError("unauthorized", "401", { status: 401 })],
  ])("retries %s, and stops at the catalog's limit", async (_label, makeError) => {
    const { calls, handlers } = recordingHandlers({
      sync: async () => {
        throw makeError();
      },
    });
    const driver = driverWith(handlers);
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    await vi.advanceTimersByTimeAsync(minIntervalMs + 60 * 60_000);
    await driver.idle();
    expect(calls.sync).toHaveLength(1 + SYNC.retry.retries);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledTimes(SYNC.retry.retries);
  });

  it("holds a calendar's lane through a retry and folds new notifications into one run after it", async () => {
    const { calls, handlers } = recordingHandlers({
      sync: async () => {
        if (calls.sync.length === 1) throw new ProviderError("rate_limited", "slow down", { retryAfterMs: 30_000 });
        return {};
      },
    });
    const driver = driverWith(handlers);
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    await vi.advanceTimersByTimeAsync(minIntervalMs);
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    await vi.advanceTimersByTimeAsync(minIntervalMs);
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    await vi.advanceTimersByTimeAsync(60_000);
    await driver.idle();
    // The first run, its retry, then one trailing run for both later notifications, an interval after the retry.
    expect(calls.sync.map((call) => call.at - start)).toEqual([0, 30_000, 30_000 + minIntervalMs]);
  });
});

describe("follow-ups", () => {
  it("dispatches what a handler returns through the same driver", async () => {
    const { calls, handlers } = recordingHandlers({
      "connection/connected": async (data) => ({
        followUps: [
          { name: "calendar/sync.requested", data: { organizationId: data.organizationId, calendarId: "cal-a", trigger: "initial", mode: "full" } },
          { name: "calendar/sync.requested", data: { organizationId: data.organizationId, calendarId: "cal-b", trigger: "initial", mode: "full" } },
        ],
      }),
    });
    const driver = driverWith(handlers);
    driver.dispatch("connection/connected", { organizationId: "org-1", connectionId: "conn-1" });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.connected).toBe(1);
    await vi.advanceTimersByTimeAsync(minIntervalMs);
    await driver.idle();
    expect(calls.sync.map((call) => call.data)).toEqual([
      { organizationId: "org-1", calendarId: "cal-a", trigger: "initial", mode: "full", requestedAt: expect.any(String) },
      { organizationId: "org-1", calendarId: "cal-b", trigger: "initial", mode: "full", requestedAt: expect.any(String) },
    ]);
  });
});

describe("crons", () => {
  it("runs each cron every interval, first after one interval", async () => {
    const { calls, handlers } = recordingHandlers();
    const driver = driverWith(handlers);
    driver.startCrons();
    await vi.advanceTimersByTimeAsync(CRON_JOBS.poll.everyMs - 1);
    expect(calls.poll).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.poll).toBe(1);
    await vi.advanceTimersByTimeAsync(CRON_JOBS.renew.everyMs - CRON_JOBS.poll.everyMs);
    expect(calls).toMatchObject({ poll: CRON_JOBS.renew.everyMs / CRON_JOBS.poll.everyMs, renew: 1, retryWebhookEvents: 60, cleanupWebhookEvents: 0 });
  });

  it("retries webhook events every minute and cleans them up once a day", async () => {
    const { calls, handlers } = recordingHandlers();
    const driver = driverWith(handlers);
    driver.startCrons();
    await vi.advanceTimersByTimeAsync(CRON_JOBS.retryWebhookEvents.everyMs);
    expect(calls.retryWebhookEvents).toBe(1);
    await vi.advanceTimersByTimeAsync(CRON_JOBS.cleanupWebhookEvents.everyMs - CRON_JOBS.retryWebhookEvents.everyMs);
    expect(calls).toMatchObject({ retryWebhookEvents: 24 * 60, cleanupWebhookEvents: 1 });
  });

  it("is not double-started, by a second call or by a second driver in the process", async () => {
    const first = recordingHandlers();
    const second = recordingHandlers();
    const driver = driverWith(first.handlers);
    driver.startCrons();
    driver.startCrons();
    await vi.advanceTimersByTimeAsync(CRON_JOBS.poll.everyMs);
    expect(first.calls.poll).toBe(1);

    // What a hot reload does: a fresh module instance starts its crons again.
    driverWith(second.handlers).startCrons();
    await vi.advanceTimersByTimeAsync(CRON_JOBS.poll.everyMs);
    expect(first.calls.poll).toBe(1);
    expect(second.calls.poll).toBe(1);
  });

  it("calls a batched cron again while it has more, up to the catalog's limit per run", async () => {
    let left = 3;
    const { calls, handlers } = recordingHandlers({ poll: async () => ({ more: --left > 0 }) });
    const driver = driverWith(handlers);
    driver.runCron("poll");
    await driver.idle();
    expect(calls.poll).toBe(3);
    const endless = recordingHandlers({ poll: async () => ({ more: true }) });
    const second = driverWith(endless.handlers);
    second.runCron("poll");
    await second.idle();
    expect(endless.calls.poll).toBe(CRON_JOBS.poll.batches.max);
    const renewals = recordingHandlers({ renew: async () => ({ more: true }) });
    const third = driverWith(renewals.handlers);
    third.runCron("renew");
    await third.idle();
    expect(renewals.calls.renew).toBe(CRON_JOBS.renew.batches.max);
  });

  it("skips a tick while the previous run of that cron is still going", async () => {
    const gate = deferred();
    const { calls, handlers } = recordingHandlers({ poll: () => gate.promise.then(() => ({})) });
    const driver = driverWith(handlers);
    driver.startCrons();
    await vi.advanceTimersByTimeAsync(3 * CRON_JOBS.poll.everyMs);
    expect(calls.poll).toBe(1);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(CRON_JOBS.poll.everyMs);
    expect(calls.poll).toBe(2);
  });
});

describe("idle and stop", () => {
  it("idle waits for trailing, running and retrying work", async () => {
    const { calls, handlers } = recordingHandlers({
      sync: async () => {
        if (calls.sync.length === 1) throw new ProviderError("unavailable", "503");
        return {};
      },
    });
    const driver = driverWith(handlers);
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    let idle = false;
    void driver.idle().then(() => {
      idle = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.sync).toHaveLength(1);
    expect(idle).toBe(false);
    await vi.advanceTimersByTimeAsync(SYNC.retry.baseDelayMs);
    expect(calls.sync).toHaveLength(2);
    expect(idle).toBe(true);
  });

  it("stop clears pending timers: nothing runs afterwards", async () => {
    const { calls, handlers } = recordingHandlers();
    const driver = driverWith(handlers);
    driver.startCrons();
    // The leading run starts at once (and finishes on its own); the trailing one is dropped.
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    driver.dispatch("calendar/sync.requested", sync("cal-a"));
    driver.stop();
    await driver.idle();
    await vi.advanceTimersByTimeAsync(CRON_JOBS.renew.everyMs);
    driver.dispatch("calendar/sync.requested", sync("cal-b"));
    await vi.advanceTimersByTimeAsync(minIntervalMs);
    expect(calls).toMatchObject({ poll: 0, renew: 0 });
    expect(calls.sync.map((call) => call.data.calendarId)).toEqual(["cal-a"]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
