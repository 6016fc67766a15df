// Outbound HTTP to the app: Google push messages, Graph change and lifecycle
// notifications and Graph's validation handshake. Every attempt is recorded.
// Change notifications pass through the fault stage (drop, delay, duplicate,
// reorder) before delivery; retries use exponential backoff with a
// configurable base so tests stay fast.

import http from "node:http";
import https from "node:https";
import type { FaultInjector } from "./faults";
import type { DeliveryKind, DeliveryView } from "./types";

/** Graph's bar for a timely answer; recorded for every delivery. */
export const TIMELY_ANSWER_MS = 3_000;
const MAX_RECORDED_DELIVERIES = 5_000;
const MAX_RECORDED_RESPONSE_BYTES = 16_384;

export interface DeliverySettings {
  /** First retry delay; doubles per attempt. */
  retryBaseDelayMs: number;
  /** Attempts per notification, first included. */
  maxAttempts: number;
}

export interface OutgoingRequest {
  kind: DeliveryKind;
  url: string;
  headers: Record<string, string>;
  body: string;
  channelId?: string;
  subscriptionIds: string[];
  duplicate?: boolean;
  timeoutMs: number;
  /** Whether an answer (status, or null for no answer) earns a retry. */
  retryOn: (status: number | null) => boolean;
  /** Checked before each attempt: false once the channel/subscription is gone. */
  stillWanted: () => boolean;
}

export class DeliveryLog {
  private records: DeliveryView[] = [];
  private nextId = 1;

  add(record: Omit<DeliveryView, "id">): DeliveryView {
    const stored = { ...record, id: this.nextId++ };
    this.records.push(stored);
    if (this.records.length > MAX_RECORDED_DELIVERIES) this.records.shift();
    return stored;
  }

  list(): DeliveryView[] {
    return [...this.records];
  }

  clear(): void {
    this.records = [];
  }
}

export class Deliverer {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly openRequests = new Set<http.ClientRequest>();
  private reorderBuffer: Array<() => void> = [];
  private reorderTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    readonly log: DeliveryLog,
    private readonly settings: DeliverySettings,
    private readonly faults: FaultInjector,
  ) {}

  /**
   * Passes a change notification through the fault stage. `release` performs the
   * delivery (it may be called twice when duplicated); `describeDrop` is what
   * the log shows for a dropped notification.
   */
  submitChangeNotification(release: (duplicate: boolean) => void, describeDrop: () => Omit<OutgoingRequest, "retryOn" | "stillWanted" | "timeoutMs">): void {
    if (this.stopped) return;
    if (this.faults.shouldDrop()) {
      this.recordUnsent(describeDrop(), "dropped");
      return;
    }
    const copies = this.faults.shouldDuplicate() ? 2 : 1;
    for (let copy = 0; copy < copies; copy += 1) {
      const duplicate = copy > 0;
      this.afterFaultDelay(() => this.throughReorderWindow(() => release(duplicate)));
    }
  }

  /** Logs a notification that was never sent (dropped by a fault, or withheld). */
  recordUnsent(request: Omit<OutgoingRequest, "retryOn" | "stillWanted" | "timeoutMs">, outcome: "dropped" | "paused"): void {
    this.log.add({ ...baseRecord(request, 1), outcome, status: null, latencyMs: 0, okWithin3s: false });
  }

  /** Sends with retries; resolves when the last attempt is recorded. */
  send(request: OutgoingRequest): void {
    this.track(this.sendWithRetries(request));
  }

  /** One attempt, no retries (the Graph validation handshake). */
  sendOnce(request: OutgoingRequest): Promise<DeliveryView> {
    const attempt = this.attempt(request, 1);
    this.track(attempt);
    return attempt;
  }

  /** Resolves once nothing is scheduled or in flight (or after `timeoutMs`). */
  async idle(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 || this.timers.size > 0 || this.reorderBuffer.length > 0) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return true;
  }

  /** Cancels scheduled work and open requests (reset or shutdown). */
  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.reorderTimer) clearTimeout(this.reorderTimer);
    this.reorderTimer = undefined;
    this.reorderBuffer = [];
    for (const request of this.openRequests) request.destroy();
    this.openRequests.clear();
  }

  shutdown(): void {
    this.stopped = true;
    this.cancelAll();
  }

  /** Schedules work the way timers are tracked for idle()/cancelAll(). */
  schedule(delayMs: number, work: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      work();
    }, delayMs);
    this.timers.add(timer);
  }

  private afterFaultDelay(work: () => void): void {
    const delay = this.faults.notification.delayMs;
    if (delay > 0) this.schedule(delay, work);
    else work();
  }

  private throughReorderWindow(work: () => void): void {
    const window = this.faults.notification.reorderWindowMs;
    if (window <= 0) {
      work();
      return;
    }
    this.reorderBuffer.push(work);
    if (!this.reorderTimer) {
      this.reorderTimer = setTimeout(() => {
        this.reorderTimer = undefined;
        const held = this.reorderBuffer.reverse();
        this.reorderBuffer = [];
        for (const release of held) release();
      }, window);
    }
  }

  private track(promise: Promise<unknown>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private async sendWithRetries(request: OutgoingRequest): Promise<void> {
    for (let attempt = 1; attempt <= this.settings.maxAttempts; attempt += 1) {
      if (this.stopped || !request.stillWanted()) return;
      const record = await this.attempt(request, attempt);
      if (record.outcome === "ok" || !request.retryOn(record.status)) return;
      if (attempt === this.settings.maxAttempts) return;
      await new Promise<void>((resolve) => this.schedule(this.settings.retryBaseDelayMs * 2 ** (attempt - 1), resolve));
    }
  }

  private attempt(request: OutgoingRequest, attempt: number): Promise<DeliveryView> {
    const started = Date.now();
    const startedAt = new Date(started).toISOString();
    return new Promise<DeliveryView>((resolve) => {
      let settled = false;
      const finish = (result: Pick<DeliveryView, "status" | "outcome"> & Partial<DeliveryView>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const latencyMs = Date.now() - started;
        resolve(
          this.log.add({
            ...baseRecord(request, attempt),
            ...result,
            startedAt,
            latencyMs,
            okWithin3s: result.outcome === "ok" && latencyMs <= TIMELY_ANSWER_MS,
          }),
        );
      };
      let target: URL;
      try {
        target = new URL(request.url);
      } catch {
        finish({ status: null, outcome: "network-error", error: "Invalid URL" });
        return;
      }
      const transport = target.protocol === "https:" ? https : http;
      const body = Buffer.from(request.body);
      const outgoing = transport.request(target, { method: "POST", headers: { ...request.headers, "Content-Length": String(body.length) } }, (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_RECORDED_RESPONSE_BYTES) chunks.push(chunk);
        });
        response.on("end", () => {
          this.openRequests.delete(outgoing);
          finish({
            status,
            outcome: status >= 200 && status < 300 ? "ok" : "rejected",
            responseBody: Buffer.concat(chunks).toString("utf8"),
            responseContentType: response.headers["content-type"],
          });
        });
        response.on("error", (error) => finish({ status, outcome: "network-error", error: error.message }));
      });
      this.openRequests.add(outgoing);
      const timer = setTimeout(() => {
        finish({ status: null, outcome: "timeout", error: `No answer within ${request.timeoutMs} ms` });
        outgoing.destroy();
        this.openRequests.delete(outgoing);
      }, request.timeoutMs);
      outgoing.on("error", (error) => {
        this.openRequests.delete(outgoing);
        finish({ status: null, outcome: "network-error", error: error.message });
      });
      outgoing.end(body);
    });
  }
}

function baseRecord(
  request: Omit<OutgoingRequest, "retryOn" | "stillWanted" | "timeoutMs">,
  attempt: number,
): Omit<DeliveryView, "id" | "status" | "outcome" | "latencyMs" | "okWithin3s"> {
  return {
    kind: request.kind,
    url: request.url,
    channelId: request.channelId,
    subscriptionIds: request.subscriptionIds,
    attempt,
    duplicate: request.duplicate ?? false,
    requestHeaders: request.headers,
    requestBody: request.body,
    startedAt: new Date().toISOString(),
  };
}
