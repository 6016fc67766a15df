import net from "node:net";
import { envFlag, envNumber } from "@/lib/config";
import { handlers } from "@/inngest/handlers";
import type { FollowUp, SyncTrigger } from "@/lib/jobs/catalog";
import { installJobSender } from "@/lib/jobs/dispatch";
import { isRetryable } from "@/lib/jobs/retry";
import { ProviderError } from "@/lib/providers/errors";
import { syncCalendar } from "@/lib/sync/engine";

// Shared by the proof suites (convergence, webhook fuzzing, database outage): the
// knobs that make a property run reproducible, a stand-in for the job driver that
// runs hand-offs at once instead of after real minimum intervals, and a TCP proxy
// that can take PostgreSQL away from the app and give it back.

// ---- property settings -----------------------------------------------------------

export interface PropertySettings {
  /** fast-check seed: printed with every failure, so a failing run can be replayed. */
  seed: number;
  numRuns: number;
  /** Shrinking re-runs whole integration scenarios; off unless asked for. */
  endOnFailure: boolean;
}

/**
 * CALSYNC_PROPERTY_SEED replays a reported failure; CALSYNC_PROPERTY_RUNS turns the
 * number of runs per property up (the benchmark) or down; CALSYNC_PROPERTY_SHRINK=1
 * lets fast-check shrink a counterexample (slow: every attempt is a full scenario).
 * Without a seed each run of the suite explores new cases; the seed it used is in
 * the failure message.
 */
export function propertySettings(defaultRuns: number, env: Record<string, string | undefined> = process.env): PropertySettings {
  return {
    seed: envNumber(env, "CALSYNC_PROPERTY_SEED", (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0, { integer: true }),
    numRuns: envNumber(env, "CALSYNC_PROPERTY_RUNS", defaultRuns, { integer: true, min: 1 }),
    endOnFailure: !envFlag(env, "CALSYNC_PROPERTY_SHRINK"),
  };
}

/** How to replay a failure; added to assertion messages so it shows next to the seed. */
export function replayHint(settings: PropertySettings): string {
  return `replay with CALSYNC_PROPERTY_SEED=${settings.seed} (CALSYNC_PROPERTY_RUNS=${settings.numRuns})`;
}

// ---- waiting ---------------------------------------------------------------------

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ---- the job driver, without timers ---------------------------------------------------

interface PendingSync {
  organizationId: string;
  trigger: SyncTrigger;
  full: boolean;
  attempt: number;
  /** The latest request's stamp: the engine skips the run when a sync that started since covered it. */
  requestedAt: string;
}

export interface JobFailure {
  job: string;
  calendarId?: string;
  error: unknown;
}

/**
 * Takes every dispatch of the process (installJobSender) and runs it right away:
 * sync requests through `syncCalendar`, one run at a time per calendar, a request
 * arriving during a run becoming exactly one more run (what the coalescing and the
 * per-calendar concurrency limit of the catalog amount to, minus the waiting);
 * other jobs through the real handlers, their follow-ups dispatched the same way.
 * Transient failures are retried with short delays, as the driver's retry policy
 * would after longer ones.
 */
export class JobPump {
  private readonly pending = new Map<string, PendingSync>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly others = new Set<Promise<void>>();
  private readonly delayed = new Set<Promise<void>>();
  readonly failures: JobFailure[] = [];
  /** Every item dispatched, in order (what the routes handed off). */
  readonly dispatched: FollowUp[] = [];
  private restore: (() => void) | null = null;

  constructor(private readonly options: { maxAttempts?: number; maxRetryDelayMs?: number } = {}) {}

  /** Routes every dispatch of the process here until `release()`. */
  capture(): this {
    this.restore ??= installJobSender(async (items) => this.dispatch(items));
    return this;
  }

  release(): void {
    this.restore?.();
    this.restore = null;
  }

  dispatch(items: readonly FollowUp[]): void {
    for (const item of items) {
      this.dispatched.push(item);
      if (item.name === "calendar/sync.requested") {
        this.request(item.data.calendarId, {
          organizationId: item.data.organizationId,
          trigger: item.data.trigger,
          full: item.data.mode === "full",
          attempt: 1,
          requestedAt: item.data.requestedAt ?? new Date().toISOString(),
        });
      } else {
        this.runOther(item);
      }
    }
  }

  /** Sync requests waiting or running, by calendar. */
  get busyCalendars(): string[] {
    return [...new Set([...this.pending.keys(), ...this.running.keys()])];
  }

  /** Resolves once nothing is pending, running or waiting to be retried. */
  async idle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0 || this.others.size > 0 || this.delayed.size > 0 || this.pending.size > 0) {
      if (Date.now() > deadline) throw new Error(`job pump still busy after ${timeoutMs} ms: ${this.busyCalendars.join(", ")}`);
      await Promise.race([Promise.allSettled([...this.running.values(), ...this.others, ...this.delayed]), sleep(50)]);
    }
  }

  private request(calendarId: string, request: PendingSync): void {
    const waiting = this.pending.get(calendarId);
    this.pending.set(
      calendarId,
      waiting
        ? {
            organizationId: request.organizationId,
            trigger: waiting.trigger,
            full: waiting.full || request.full,
            attempt: Math.min(waiting.attempt, request.attempt),
            requestedAt: waiting.requestedAt > request.requestedAt ? waiting.requestedAt : request.requestedAt,
          }
        : request,
    );
    this.kick(calendarId);
  }

  private kick(calendarId: string): void {
    if (this.running.has(calendarId)) return;
    const run = this.work(calendarId).finally(() => {
      this.running.delete(calendarId);
      if (this.pending.has(calendarId)) this.kick(calendarId);
    });
    this.running.set(calendarId, run);
  }

  private async work(calendarId: string): Promise<void> {
    for (;;) {
      const next = this.pending.get(calendarId);
      if (!next) return;
      this.pending.delete(calendarId);
      try {
        await syncCalendar({
          organizationId: next.organizationId,
          calendarId,
          trigger: next.trigger,
          requestedAt: next.requestedAt,
          ...(next.full ? { mode: "full" as const } : {}),
        });
      } catch (error) {
        if (!isRetryable(error) || next.attempt >= (this.options.maxAttempts ?? 10)) {
          this.failures.push({ job: "calendar/sync.requested", calendarId, error });
          continue;
        }
        this.later(this.retryDelay(error, next.attempt), () => this.request(calendarId, { ...next, attempt: next.attempt + 1 }));
      }
    }
  }

  private retryDelay(error: unknown, attempt: number): number {
    const asked = error instanceof ProviderError ? (error.retryAfterMs ?? 0) : 0;
    return Math.min(this.options.maxRetryDelayMs ?? 1_000, Math.max(asked, 25 * 2 ** (attempt - 1)));
  }

  private later(ms: number, work: () => void): void {
    const waiting = sleep(ms).then(work);
    this.delayed.add(waiting);
    void waiting.finally(() => this.delayed.delete(waiting));
  }

  private runOther(item: Exclude<FollowUp, { name: "calendar/sync.requested" }>, attempt = 1): void {
    // The catalog pairs each name with its payload; the union of handlers cannot be called with the union of payloads.
    const handler = handlers.events[item.name] as (data: typeof item.data) => Promise<{ followUps?: FollowUp[] }>;
    const run = handler(item.data).then(
      (result) => {
        if (result.followUps?.length) this.dispatch(result.followUps);
      },
      (error: unknown) => {
        if (isRetryable(error) && attempt < (this.options.maxAttempts ?? 10))
          this.later(this.retryDelay(error, attempt), () => this.runOther(item, attempt + 1));
        else this.failures.push({ job: item.name, error });
      },
    );
    this.others.add(run);
    void run.finally(() => this.others.delete(run));
  }
}

// ---- a TCP proxy that can be cut ------------------------------------------------------

export interface TcpProxy {
  readonly port: number;
  /** `url` with host and port replaced by the proxy's. */
  rewrite(url: string): string;
  /** Stops accepting and drops every open connection: the server is gone. */
  cut(): Promise<void>;
  /** Accepts again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A byte pipe in front of `target` (a PostgreSQL server, here). */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      // A reset on one side ends the other; the error itself is expected on a cut.
      socket.on("error", () => {});
    }
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return {
    port,
    rewrite(url) {
      const copy = new URL(url);
      copy.hostname = "127.0.0.1";
      copy.port = String(port);
      return copy.toString();
    },
    cut: stop,
    restore: () => listen(port),
    close: stop,
  };
}
