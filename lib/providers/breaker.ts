import { logger } from "@/lib/log";
import { ProviderError, isProviderError } from "@/lib/providers/errors";

// A circuit breaker per calendar connection. When one account's provider keeps
// failing (its tenant is down, its quota is gone), every sync of its calendars
// would otherwise spend its job retries hammering the provider, and the retries
// queue behind each other for everyone else. After a run of transient failures the
// breaker fails that connection's calls at once, with the wait as `retryAfterMs`,
// so the job drivers back off on their own and the provider sees nothing until a
// single probe is let through.
//
// State lives in this process only: each server or serverless instance keeps its
// own. That is enough because the breaker only sheds load; it never decides
// anything that must agree across instances, and a fresh instance simply
// rediscovers an outage after a few failures.

export type CircuitState = "closed" | "open" | "half_open";

export interface BreakerSnapshot {
  connectionId: string;
  state: CircuitState;
  /** Consecutive transient failures. */
  failures: number;
  openedAt: Date | null;
}

export interface BreakerOptions {
  /** Consecutive transient failures that open the circuit. */
  failureThreshold: number;
  /** How long the first opening lasts; each reopening without a close doubles it. */
  cooldownMs: number;
  maxCooldownMs: number;
  /**
   * A probe still unsettled after this long stops blocking others: a hung request
   * must not keep a connection half-open forever.
   */
  probeTimeoutMs: number;
  now: () => number;
}

export const DEFAULT_BREAKER_OPTIONS: Omit<BreakerOptions, "now"> = {
  failureThreshold: 5,
  cooldownMs: 30_000,
  maxCooldownMs: 10 * 60_000,
  probeTimeoutMs: 2 * 60_000,
};

/** What callers that find a probe in flight are told to wait: long enough for it to answer. */
const PROBE_WAIT_MS = 5_000;

interface Circuit {
  failures: number;
  /** Openings since the circuit was last closed by a success. */
  opens: number;
  openedAt: number | null;
  cooldownMs: number;
  probeStartedAt: number | null;
}

export interface Breakers {
  /** Runs one connection's provider work through its circuit. */
  run<T>(connectionId: string, call: () => Promise<T>): Promise<T>;
  states(): BreakerSnapshot[];
  reset(): void;
}

export function createBreakers(options: Partial<BreakerOptions> = {}): Breakers {
  const settings: BreakerOptions = { ...DEFAULT_BREAKER_OPTIONS, now: Date.now, ...options };
  const circuits = new Map<string, Circuit>();

  function stateOf(circuit: Circuit | undefined, at: number): CircuitState {
    if (!circuit || circuit.openedAt === null) return "closed";
    return at < circuit.openedAt + circuit.cooldownMs ? "open" : "half_open";
  }

  function open(connectionId: string, circuit: Circuit, at: number): void {
    circuit.opens += 1;
    circuit.cooldownMs = Math.min(settings.maxCooldownMs, settings.cooldownMs * 2 ** (circuit.opens - 1));
    circuit.openedAt = at;
    circuit.probeStartedAt = null;
    logger.warn("provider.circuit_open", { connectionId, failures: circuit.failures, opens: circuit.opens, cooldownMs: circuit.cooldownMs });
  }

  function failFast(connectionId: string, circuit: Circuit, retryAfterMs: number): ProviderError {
    return new ProviderError(
      "unavailable",
      `circuit open for this connection after ${circuit.failures} consecutive provider failures; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
      { retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)), code: "circuit_open" },
    );
  }

  async function run<T>(connectionId: string, call: () => Promise<T>): Promise<T> {
    const startedAt = settings.now();
    const circuit = circuits.get(connectionId);
    const state = stateOf(circuit, startedAt);
    let probe = false;
    if (circuit && state === "open") throw failFast(connectionId, circuit, circuit.openedAt! + circuit.cooldownMs - startedAt);
    if (circuit && state === "half_open") {
      const probing = circuit.probeStartedAt !== null && startedAt - circuit.probeStartedAt < settings.probeTimeoutMs;
      if (probing) throw failFast(connectionId, circuit, PROBE_WAIT_MS);
      circuit.probeStartedAt = startedAt;
      probe = true;
    }

    let result: T;
    try {
      result = await call();
    } catch (err) {
      settle(connectionId, probe, verdict(err));
      throw err;
    }
    settle(connectionId, probe, "healthy");
    return result;
  }

  /**
   * Only the provider's own answers count. A transient one (429, 5xx, network) is a
   * failure; any other provider answer, even a refusal, shows the provider is
   * reachable; errors of ours (database, bugs) say nothing about it.
   */
  function verdict(err: unknown): "failing" | "healthy" | "unknown" {
    if (!isProviderError(err)) return "unknown";
    return err.transient ? "failing" : "healthy";
  }

  function settle(connectionId: string, probe: boolean, outcome: "failing" | "healthy" | "unknown"): void {
    const at = settings.now();
    const circuit = circuits.get(connectionId);
    if (outcome === "unknown") {
      if (probe && circuit) circuit.probeStartedAt = null;
      return;
    }
    const state = stateOf(circuit, at);
    // A call that started before the circuit opened and answers afterwards is old
    // news: only the probe decides whether an open circuit closes.
    if (!probe && state !== "closed") {
      if (outcome === "failing" && circuit) circuit.failures += 1;
      return;
    }
    if (outcome === "healthy") {
      if (circuit?.openedAt != null) logger.info("provider.circuit_closed", { connectionId, opens: circuit.opens });
      // Closed with no failures is the default: forgetting it keeps the map to the connections in trouble.
      circuits.delete(connectionId);
      return;
    }
    const current = circuit ?? { failures: 0, opens: 0, openedAt: null, cooldownMs: settings.cooldownMs, probeStartedAt: null };
    current.failures += 1;
    circuits.set(connectionId, current);
    if (probe || current.failures >= settings.failureThreshold) open(connectionId, current, at);
  }

  function states(): BreakerSnapshot[] {
    const at = settings.now();
    return [...circuits].map(([connectionId, circuit]) => ({
      connectionId,
      state: stateOf(circuit, at),
      failures: circuit.failures,
      openedAt: circuit.openedAt === null ? null : new Date(circuit.openedAt),
    }));
  }

  return { run, states, reset: () => circuits.clear() };
}

function positive(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
}

/**
 * The breaker settings from the environment: PROVIDER_BREAKER_FAILURES (5),
 * PROVIDER_BREAKER_COOLDOWN_SECONDS (30), PROVIDER_BREAKER_MAX_COOLDOWN_SECONDS (600).
 */
export function breakerOptionsFromEnv(env: Record<string, string | undefined> = process.env): Omit<BreakerOptions, "now" | "probeTimeoutMs"> {
  const cooldownMs = positive(env.PROVIDER_BREAKER_COOLDOWN_SECONDS, DEFAULT_BREAKER_OPTIONS.cooldownMs / 1000) * 1000;
  return {
    failureThreshold: Math.round(positive(env.PROVIDER_BREAKER_FAILURES, DEFAULT_BREAKER_OPTIONS.failureThreshold)),
    cooldownMs,
    maxCooldownMs: Math.max(cooldownMs, positive(env.PROVIDER_BREAKER_MAX_COOLDOWN_SECONDS, DEFAULT_BREAKER_OPTIONS.maxCooldownMs / 1000) * 1000),
  };
}

// On globalThis: Next.js may evaluate this module in several bundles and on every
// hot reload, and a connection must still have one circuit per process.
const holder = globalThis as unknown as { __calsyncBreakers?: Breakers };

/** The process's breakers (created on first use from the environment). */
export function providerBreakers(): Breakers {
  holder.__calsyncBreakers ??= createBreakers(breakerOptionsFromEnv());
  return holder.__calsyncBreakers;
}

/**
 * Replaces the process's breakers (tests: an injected clock, small thresholds);
 * null goes back to the environment's settings on next use.
 */
export function replaceProviderBreakers(breakers: Breakers | null): void {
  holder.__calsyncBreakers = breakers ?? undefined;
}

/** Connections whose circuit is not plainly closed, for the admin health page. */
export function breakerStates(): BreakerSnapshot[] {
  return providerBreakers().states();
}
