import { InngestTestEngine } from "@inngest/test";
import { NonRetriableError, RetryAfterError } from "inngest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFunctions, toInngestError } from "@/inngest/functions";
import { CRON_JOBS, EVENT_JOBS, type JobPayloads, type HandlerResult, type JobHandlers } from "@/lib/jobs/catalog";
import { ProviderError } from "@/lib/providers/errors";

function stubHandlers(overrides: Partial<JobHandlers["events"]> & Partial<JobHandlers["crons"]> = {}): JobHandlers {
  const none = async (): Promise<HandlerResult> => ({});
  return {
    events: {
      "calendar/sync.requested": overrides["calendar/sync.requested"] ?? none,
      "connection/connected": overrides["connection/connected"] ?? none,
      "connection/calendars.refresh": overrides["connection/calendars.refresh"] ?? none,
      "subscription/lifecycle": overrides["subscription/lifecycle"] ?? none,
      "outbound/changes.appended": overrides["outbound/changes.appended"] ?? none,
      "outbound/deliver.requested": overrides["outbound/deliver.requested"] ?? none,
    },
    crons: {
      poll: overrides.poll ?? none,
      discoverCalendars: overrides.discoverCalendars ?? none,
      renew: overrides.renew ?? none,
      retryWebhookEvents: overrides.retryWebhookEvents ?? none,
      cleanupWebhookEvents: overrides.cleanupWebhookEvents ?? none,
      sweepDeliveries: overrides.sweepDeliveries ?? none,
      pruneChanges: overrides.pruneChanges ?? none,
    },
  };
}

function byId(handlers: JobHandlers, id: string) {
  const fn = createFunctions(handlers).find((candidate) => candidate.opts.id === id);
  if (!fn) throw new Error(`no function ${id}`);
  return fn;
}

const syncRequest: JobPayloads["calendar/sync.requested"] = { organizationId: "org-1", calendarId: "cal-1", trigger: "webhook" };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("function configuration", () => {
  const functions = createFunctions(stubHandlers());

  it("has one function per catalog entry, with the catalog's ids", () => {
    expect(functions.map((fn) => fn.opts.id).sort()).toEqual([...Object.values(EVENT_JOBS), ...Object.values(CRON_JOBS)].map((job) => job.id).sort());
  });

  it.each(Object.values(EVENT_JOBS))("$id follows the catalog's trigger, coalescing, concurrency and retries", (job) => {
    const fn = functions.find((candidate) => candidate.opts.id === job.id)!;
    expect(fn.opts.triggers).toEqual([expect.objectContaining({ event: job.event })]);
    expect(fn.opts.retries).toBe(job.retry.retries);
    const coalesce = "coalesce" in job ? job.coalesce : undefined;
    expect(fn.opts.throttle).toEqual(coalesce && { key: `event.data.${coalesce.key}`, limit: 1, period: `${coalesce.minIntervalMs / 1000}s` });
    // Trailing-only debounce would hold back the leading sync; nothing uses it.
    expect(fn.opts.debounce).toBeUndefined();
    expect(fn.opts.concurrency).toEqual({ key: `event.data.${job.concurrency.key}`, limit: job.concurrency.limit });
  });

  it("throttles calendar syncs to one start per calendar per minimum interval (2 s by default), one run at a time", () => {
    const fn = functions.find((candidate) => candidate.opts.id === "calendar-sync")!;
    expect(EVENT_JOBS.calendarSync.coalesce).toEqual({ key: "calendarId", minIntervalMs: 2_000 });
    expect(fn.opts.throttle).toEqual({ key: "event.data.calendarId", limit: 1, period: "2s" });
    expect(fn.opts.concurrency).toEqual({ key: "event.data.calendarId", limit: 1 });
  });

  it("stamps the sync requests it sends as follow-ups with when they were asked for, and leaves other jobs alone", async () => {
    const poll = vi.fn(async (): Promise<HandlerResult> => ({
      followUps: [
        { name: "calendar/sync.requested", data: { ...syncRequest, trigger: "poll" } },
        { name: "outbound/changes.appended", data: { organizationId: "org-1" } },
      ],
    }));
    const before = Date.now();
    const { error, ctx } = await new InngestTestEngine({ function: byId(stubHandlers({ poll }), CRON_JOBS.poll.id) }).execute({
      steps: [{ id: "follow-ups", handler: () => ({ ids: ["a", "b"] }) }],
    });
    expect(error).toBeUndefined();
    const sent = vi.mocked(ctx.step.sendEvent).mock.calls[0]![1] as Array<{ name: string; data: Record<string, unknown> }>;
    expect(sent[1]).toEqual({ name: "outbound/changes.appended", data: { organizationId: "org-1" } });
    expect(Date.parse(String(sent[0]!.data.requestedAt))).toBeGreaterThanOrEqual(before);
  });

  it.each(Object.values(CRON_JOBS))("$id runs on the catalog's cron schedule", (job) => {
    const fn = functions.find((candidate) => candidate.opts.id === job.id)!;
    expect(fn.opts.triggers).toEqual([{ cron: job.cron }]);
    expect(fn.opts.retries).toBe(job.retry.retries);
    expect(fn.opts.debounce).toBeUndefined();
  });
});

describe("a run", () => {
  it("calls the handler with the event's data and sends its follow-ups as events", async () => {
    const followUps = [
      { name: "calendar/sync.requested" as const, data: { organizationId: "org-1", calendarId: "cal-1", trigger: "initial" as const, mode: "full" as const } },
      { name: "calendar/sync.requested" as const, data: { organizationId: "org-1", calendarId: "cal-2", trigger: "initial" as const, mode: "full" as const } },
    ];
    const setUp = vi.fn(async (_data: JobPayloads["connection/connected"]): Promise<HandlerResult> => ({ followUps, summary: { calendars: 2 } }));
    const engine = new InngestTestEngine({
      function: byId(stubHandlers({ "connection/connected": setUp }), EVENT_JOBS.connectionSetup.id),
      events: [{ name: "connection/connected", data: { organizationId: "org-1", connectionId: "conn-1" } }],
    });
    const { result, error, ctx } = await engine.execute({ steps: [{ id: "follow-ups", handler: () => ({ ids: ["a", "b"] }) }] });
    expect(error).toBeUndefined();
    expect(setUp).toHaveBeenCalledExactlyOnceWith({ organizationId: "org-1", connectionId: "conn-1" });
    expect(ctx.step.run).toHaveBeenCalledWith(EVENT_JOBS.connectionSetup.id, expect.any(Function));
    const stamped = followUps.map((item) => ({ ...item, data: { ...item.data, requestedAt: expect.any(String) } }));
    expect(ctx.step.sendEvent).toHaveBeenCalledExactlyOnceWith("follow-ups", stamped);
    expect(result).toEqual({ calendars: 2 });
  });

  it("sends nothing when there are no follow-ups", async () => {
    const sync = vi.fn(async (): Promise<HandlerResult> => ({ summary: { created: 3 } }));
    const engine = new InngestTestEngine({
      function: byId(stubHandlers({ "calendar/sync.requested": sync }), EVENT_JOBS.calendarSync.id),
      events: [{ name: "calendar/sync.requested", data: syncRequest }],
    });
    const { result, ctx } = await engine.execute();
    expect(sync).toHaveBeenCalledExactlyOnceWith(syncRequest);
    expect(ctx.step.sendEvent).not.toHaveBeenCalled();
    expect(result).toEqual({ created: 3 });
  });

  it("hands the handler the traceparent the event carried, so the run joins the webhook's trace", async () => {
    const sync = vi.fn(async (): Promise<HandlerResult> => ({}));
    const traced = { ...syncRequest, trace: `00-${"a".repeat(32)}-${"b".repeat(16)}-01` };
    const engine = new InngestTestEngine({
      function: byId(stubHandlers({ "calendar/sync.requested": sync }), EVENT_JOBS.calendarSync.id),
      events: [{ name: "calendar/sync.requested", data: traced }],
    });
    const { error } = await engine.execute();
    expect(error).toBeUndefined();
    expect(sync).toHaveBeenCalledExactlyOnceWith(traced);
  });

  it("runs a cron's handler in a step and fans its follow-ups out", async () => {
    const poll = vi.fn(async (): Promise<HandlerResult> => ({ followUps: [{ name: "calendar/sync.requested", data: { ...syncRequest, trigger: "poll" } }] }));
    const engine = new InngestTestEngine({ function: byId(stubHandlers({ poll }), CRON_JOBS.poll.id) });
    const { error, ctx } = await engine.execute({ steps: [{ id: "follow-ups", handler: () => ({ ids: ["a"] }) }] });
    expect(error).toBeUndefined();
    expect(poll).toHaveBeenCalledOnce();
    expect(ctx.step.run).toHaveBeenCalledWith(CRON_JOBS.poll.id, expect.any(Function));
    expect(ctx.step.sendEvent).toHaveBeenCalledExactlyOnceWith("follow-ups", [
      { name: "calendar/sync.requested", data: { ...syncRequest, trigger: "poll", requestedAt: expect.any(String) } },
    ]);
  });

  it("runs a batched cron one step and one send per batch while it has more, and adds the batches' counts up", async () => {
    let left = 3;
    const poll = vi.fn(async (): Promise<HandlerResult> => {
      left -= 1;
      return { followUps: [{ name: "calendar/sync.requested", data: { ...syncRequest, trigger: "poll" } }], summary: { calendars: 1 }, more: left > 0 };
    });
    const engine = new InngestTestEngine({ function: byId(stubHandlers({ poll }), CRON_JOBS.poll.id) });
    const sent = () => ({ ids: ["a"] });
    const { error, result, ctx } = await engine.execute({
      steps: ["follow-ups", "follow-ups-2", "follow-ups-3"].map((id) => ({ id, handler: sent })),
    });
    expect(error).toBeUndefined();
    expect(poll).toHaveBeenCalledTimes(3);
    expect(vi.mocked(ctx.step.run).mock.calls.map(([id]) => id)).toEqual([CRON_JOBS.poll.id, `${CRON_JOBS.poll.id}-2`, `${CRON_JOBS.poll.id}-3`]);
    expect(vi.mocked(ctx.step.sendEvent).mock.calls.map(([id]) => id)).toEqual(["follow-ups", "follow-ups-2", "follow-ups-3"]);
    expect(result).toEqual({ calendars: 3, batches: 3 });
  });

  it("stops a batched cron at the catalog's batch limit, however much is left", async () => {
    const poll = vi.fn(async (): Promise<HandlerResult> => ({ summary: { calendars: 0 }, more: true }));
    const { error } = await new InngestTestEngine({ function: byId(stubHandlers({ poll }), CRON_JOBS.poll.id) }).execute();
    expect(error).toBeUndefined();
    expect(poll).toHaveBeenCalledTimes(CRON_JOBS.poll.batches.max);
  });

  it("runs the hourly renewal one step per batch, with nothing to send, up to its batch limit", async () => {
    let left = 2;
    const renew = vi.fn(async (): Promise<HandlerResult> => ({ summary: { subscriptions: 100, failed: 1 }, more: --left > 0 }));
    const fn = byId(stubHandlers({ renew }), CRON_JOBS.renew.id);
    expect(fn.opts.triggers).toEqual([{ cron: "0 * * * *" }]);
    const { error, result, ctx } = await new InngestTestEngine({ function: fn }).execute();
    expect(error).toBeUndefined();
    expect(vi.mocked(ctx.step.run).mock.calls.map(([id]) => id)).toEqual([CRON_JOBS.renew.id, `${CRON_JOBS.renew.id}-2`]);
    expect(ctx.step.sendEvent).not.toHaveBeenCalled();
    expect(result).toEqual({ subscriptions: 200, failed: 2, batches: 2 });

    const endless = vi.fn(async (): Promise<HandlerResult> => ({ summary: { subscriptions: 100 }, more: true }));
    await new InngestTestEngine({ function: byId(stubHandlers({ renew: endless }), CRON_JOBS.renew.id) }).execute();
    expect(endless).toHaveBeenCalledTimes(CRON_JOBS.renew.batches.max);
  });
});

describe("webhook event crons", () => {
  it("retry-webhook-events runs every minute and sends one sync request per calendar with a due retry", async () => {
    const due: HandlerResult = {
      followUps: [
        { name: "calendar/sync.requested", data: { ...syncRequest, calendarId: "cal-1" } },
        { name: "calendar/sync.requested", data: { ...syncRequest, calendarId: "cal-2" } },
      ],
      summary: { calendars: 2, deadLettered: 1 },
    };
    const retryWebhookEvents = vi.fn(async (): Promise<HandlerResult> => due);
    const fn = byId(stubHandlers({ retryWebhookEvents }), "retry-webhook-events");
    expect(fn.opts.triggers).toEqual([{ cron: "* * * * *" }]);
    const engine = new InngestTestEngine({ function: fn });
    const { result, error, ctx } = await engine.execute({ steps: [{ id: "follow-ups", handler: () => ({ ids: ["a", "b"] }) }] });
    expect(error).toBeUndefined();
    expect(retryWebhookEvents).toHaveBeenCalledOnce();
    expect(ctx.step.run).toHaveBeenCalledWith("retry-webhook-events", expect.any(Function));
    const stamped = due.followUps!.map((item) => ({ ...item, data: { ...item.data, requestedAt: expect.any(String) } }));
    expect(ctx.step.sendEvent).toHaveBeenCalledExactlyOnceWith("follow-ups", stamped);
    expect(result).toEqual({ calendars: 2, deadLettered: 1 });
  });

  it("cleanup-webhook-events runs daily, purges in a step and sends nothing", async () => {
    const cleanupWebhookEvents = vi.fn(async (): Promise<HandlerResult> => ({ summary: { deleted: 1500, batches: 2 } }));
    const fn = byId(stubHandlers({ cleanupWebhookEvents }), "cleanup-webhook-events");
    expect(fn.opts.triggers).toEqual([{ cron: CRON_JOBS.cleanupWebhookEvents.cron }]);
    expect(CRON_JOBS.cleanupWebhookEvents.cron).toMatch(/^\d+ \d+ \* \* \*$/);
    const { result, error, ctx } = await new InngestTestEngine({ function: fn }).execute();
    expect(error).toBeUndefined();
    expect(cleanupWebhookEvents).toHaveBeenCalledOnce();
    expect(ctx.step.run).toHaveBeenCalledWith("cleanup-webhook-events", expect.any(Function));
    expect(ctx.step.sendEvent).not.toHaveBeenCalled();
    expect(result).toEqual({ deleted: 1500, batches: 2 });
  });

  it("a cron that fails is retried by Inngest as the catalog says", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const cleanupWebhookEvents = vi.fn(async (): Promise<HandlerResult> => {
      throw new Error("database unavailable");
    });
    const fn = byId(stubHandlers({ cleanupWebhookEvents }), "cleanup-webhook-events");
    expect(fn.opts.retries).toBe(CRON_JOBS.cleanupWebhookEvents.retry.retries);
    const { error } = await new InngestTestEngine({ function: fn }).execute();
    expect(error).toMatchObject({ message: "database unavailable" });
  });
});

describe("failures", () => {
  function failingSync(err: Error) {
    return new InngestTestEngine({
      function: byId(
        stubHandlers({
          "calendar/sync.requested": async () => {
            throw err;
          },
        }),
        EVENT_JOBS.calendarSync.id,
      ),
      events: [{ name: "calendar/sync.requested", data: syncRequest }],
    });
  }

  it("a provider's Retry-After surfaces as RetryAfterError", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { error } = await failingSync(new ProviderError("rate_limited", "quota", { status: 429, retryAfterMs: 3_000 })).execute();
    expect(error).toMatchObject({ name: "RetryAfterError", message: "rate_limited (429): quota" });

    const converted = toInngestError(new ProviderError("rate_limited", "quota", { status: 429, retryAfterMs: 3_000 }));
    expect(converted).toBeInstanceOf(RetryAfterError);
    expect((converted as RetryAfterError).retryAfter).toBe("3");
  });

  it("a provider error retrying cannot fix surfaces as NonRetriableError", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { error } = await failingSync(new ProviderError("reauthorization_required", "invalid_grant", { status: 400 })).execute();
    expect(error).toMatchObject({ name: "NonRetriableError" });
    for (const kind of ["rejected", "not_found"] as const) expect(toInngestError(new ProviderError(kind, "no"))).toBeInstanceOf(NonRetriableError);
  });

  it("other failures stay ordinary errors, so Inngest retries them with its own backoff", () => {
    const unavailable = toInngestError(new ProviderError("unavailable", "503", { status: 503 }));
    expect(unavailable).not.toBeInstanceOf(NonRetriableError);
    expect(unavailable).not.toBeInstanceOf(RetryAfterError);
    expect(unavailable).toMatchObject({ name: "ProviderError", message: "unavailable (503): 503" });
    const bug = new TypeError("boom");
    expect(toInngestError(bug)).toBe(bug);
  });

  it("never hands Inngest a provider error's cause", () => {
    const cause = Object.assign(new Error("request failed"), { config: { headers: { Authorization: "Bearer secret" } } });
    for (const err of [
      new ProviderError("rate_limited", "quota", { retryAfterMs: 1_000, cause }),
      new ProviderError("rejected", "bad", { cause }),
      new ProviderError("unavailable", "down", { cause }),
    ]) {
      expect((toInngestError(err) as Error).cause).toBeUndefined();
    }
  });
});
