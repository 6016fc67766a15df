// Fault injection: endpoint failures (next N calls answer 429/5xx), a latency
// added to every provider call (the internet between us and Google or Microsoft,
// for benchmarks), and the knobs that disturb notification delivery (drop, delay,
// duplicate, reorder).
// Random decisions come from a seeded generator so failing tests replay.

import type { EndpointFault, NotificationFaults } from "./types";

/** mulberry32: small, fast, good enough for fault decisions. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

interface ActiveEndpointFault extends Required<Pick<EndpointFault, "endpoint" | "status">> {
  remaining: number;
  /** Matching calls still let through before the first failure. */
  passing: number;
  retryAfterSeconds?: number;
  accountEmail?: string;
}

const DEFAULT_SEED = 20_240_601;

export class FaultInjector {
  private endpointFaults: ActiveEndpointFault[] = [];
  notification: Required<Omit<NotificationFaults, "seed">> = { dropRate: 0, delayMs: 0, duplicateRate: 0, reorderWindowMs: 0 };
  random = new SeededRandom(DEFAULT_SEED);
  /** Added before every provider API and OAuth call is answered (control calls are not delayed). */
  latencyMs = 0;

  reset(): void {
    this.endpointFaults = [];
    this.latencyMs = 0;
    this.notification = { dropRate: 0, delayMs: 0, duplicateRate: 0, reorderWindowMs: 0 };
    this.random = new SeededRandom(DEFAULT_SEED);
  }

  setNotificationFaults(faults: NotificationFaults): void {
    this.notification = {
      dropRate: faults.dropRate ?? 0,
      delayMs: faults.delayMs ?? 0,
      duplicateRate: faults.duplicateRate ?? 0,
      reorderWindowMs: faults.reorderWindowMs ?? 0,
    };
    if (faults.seed !== undefined) this.random = new SeededRandom(faults.seed);
  }

  addEndpointFault(fault: EndpointFault): void {
    this.endpointFaults.push({
      endpoint: fault.endpoint,
      status: fault.status,
      remaining: fault.count ?? 1,
      passing: fault.afterCalls ?? 0,
      retryAfterSeconds: fault.retryAfterSeconds ?? (fault.status === 429 || fault.status === 503 ? 1 : undefined),
      accountEmail: fault.accountEmail?.toLowerCase(),
    });
  }

  clearEndpointFaults(): void {
    this.endpointFaults = [];
  }

  /** Consumes one matching endpoint fault, if any. */
  takeEndpointFault(endpoint: string, accountEmail: string | undefined): { status: number; retryAfterSeconds?: number } | undefined {
    const fault = this.endpointFaults.find(
      (candidate) =>
        candidate.remaining > 0 && matchesEndpoint(candidate.endpoint, endpoint) && (!candidate.accountEmail || candidate.accountEmail === accountEmail),
    );
    if (!fault) return undefined;
    if (fault.passing > 0) {
      fault.passing -= 1;
      return undefined;
    }
    fault.remaining -= 1;
    this.endpointFaults = this.endpointFaults.filter((candidate) => candidate.remaining > 0);
    return { status: fault.status, retryAfterSeconds: fault.retryAfterSeconds };
  }

  pendingEndpointFaults(): Array<{ endpoint: string; status: number; remaining: number; accountEmail?: string }> {
    return this.endpointFaults.map(({ endpoint, status, remaining, accountEmail }) => ({ endpoint, status, remaining, accountEmail }));
  }

  shouldDrop(): boolean {
    return this.notification.dropRate > 0 && this.random.next() < this.notification.dropRate;
  }

  shouldDuplicate(): boolean {
    return this.notification.duplicateRate > 0 && this.random.next() < this.notification.duplicateRate;
  }
}

export function matchesEndpoint(pattern: string, endpoint: string): boolean {
  return pattern.endsWith("*") ? endpoint.startsWith(pattern.slice(0, -1)) : pattern === endpoint;
}
