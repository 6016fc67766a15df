import { afterEach, describe, expect, it, vi } from "vitest";
import { logger } from "@/lib/log";
import { breakerOptionsFromEnv, createBreakers, type BreakerOptions } from "@/lib/providers/breaker";
import { ProviderError } from "@/lib/providers/errors";

function clock(start = 1_000_000) {
  let current = start;
  return { now: () => current, advance: (ms: number) => (current += ms) };
}

function setup(options: Partial<BreakerOptions> = {}) {
  vi.spyOn(logger, "warn").mockImplementation(() => {});
  vi.spyOn(logger, "info").mockImplementation(() => {});
  const time = clock();
  const breakers = createBreakers({ failureThreshold: 3, cooldownMs: 30_000, maxCooldownMs: 100_000, probeTimeoutMs: 60_000, now: time.now, ...options });
  let calls = 0;
  const unavailable = () =>
    breakers.run("conn-a", async () => {
      calls += 1;
      throw new ProviderError("unavailable", "503", { status: 503 });
    });
  const ok = () =>
    breakers.run("conn-a", async () => {
      calls += 1;
      return "ok";
    });
  return { time, breakers, unavailable, ok, calls: () => calls };
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const err = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(err)}`);
  return err;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("provider circuit breaker", () => {
  it("opens after the threshold of consecutive transient failures and then fails fast without calling", async () => {
    const { breakers, unavailable, ok, calls, time } = setup();
    for (let i = 0; i < 3; i += 1) expect((await failure(unavailable())).message).toBe("503");
    expect(calls()).toBe(3);
    expect(breakers.states()).toEqual([{ connectionId: "conn-a", state: "open", failures: 3, openedAt: new Date(time.now()) }]);

    time.advance(10_000);
    const fast = await failure(ok());
    expect(calls()).toBe(3);
    expect(fast).toMatchObject({ kind: "unavailable", code: "circuit_open", retryAfterMs: 20_000 });
    expect(fast.transient).toBe(true);
    expect(fast.message).toContain("circuit open");
  });

  it("a success in between resets the count: failures must be consecutive", async () => {
    const { breakers, unavailable, ok } = setup();
    await failure(unavailable());
    await failure(unavailable());
    await ok();
    expect(breakers.states()).toEqual([]);
    await failure(unavailable());
    await failure(unavailable());
    expect(breakers.states()).toMatchObject([{ state: "closed", failures: 2, openedAt: null }]);
  });

  it("a provider answer that is not transient counts as reachable; errors of our own count for nothing", async () => {
    const { breakers, unavailable } = setup();
    await failure(unavailable());
    await failure(unavailable());
    await expect(breakers.run("conn-a", async () => Promise.reject(new Error("database down")))).rejects.toThrow("database down");
    expect(breakers.states()).toMatchObject([{ failures: 2 }]);
    await failure(breakers.run("conn-a", async () => Promise.reject(new ProviderError("not_found", "gone", { status: 404 }))));
    expect(breakers.states()).toEqual([]);
  });

  it("counts 429s as failures too", async () => {
    const { breakers } = setup();
    for (let i = 0; i < 3; i += 1) await failure(breakers.run("conn-a", async () => Promise.reject(new ProviderError("rate_limited", "429", { status: 429 }))));
    expect(breakers.states()).toMatchObject([{ state: "open" }]);
  });

  it("keeps connections apart", async () => {
    const { breakers, unavailable } = setup();
    for (let i = 0; i < 3; i += 1) await failure(unavailable());
    expect(await breakers.run("conn-b", async () => "fine")).toBe("fine");
    expect(breakers.states().map((state) => state.connectionId)).toEqual(["conn-a"]);
  });

  it("after the cooldown lets exactly one probe through; a successful probe closes the circuit", async () => {
    const { breakers, unavailable, calls, time } = setup();
    for (let i = 0; i < 3; i += 1) await failure(unavailable());
    time.advance(30_000);
    expect(breakers.states()).toMatchObject([{ state: "half_open" }]);

    let answer!: (value: string) => void;
    const probe = breakers.run("conn-a", () => new Promise<string>((resolve) => (answer = resolve)));
    const others = await Promise.all([failure(breakers.run("conn-a", async () => "x")), failure(breakers.run("conn-a", async () => "y"))]);
    for (const err of others) expect(err).toMatchObject({ code: "circuit_open", retryAfterMs: 5_000 });
    answer("probed");
    expect(await probe).toBe("probed");
    expect(breakers.states()).toEqual([]);
    expect(await breakers.run("conn-a", async () => "normal")).toBe("normal");
    expect(calls()).toBe(3);
  });

  it("a failed probe reopens with a doubled cooldown, capped", async () => {
    const { breakers, unavailable, time } = setup();
    for (let i = 0; i < 3; i += 1) await failure(unavailable());
    const cooldowns: number[] = [];
    for (let round = 0; round < 4; round += 1) {
      const fast = await failure(breakers.run("conn-a", async () => "x"));
      cooldowns.push(fast.retryAfterMs!);
      time.advance(fast.retryAfterMs!);
      await failure(unavailable()); // the probe
      expect(breakers.states()).toMatchObject([{ state: "open" }]);
    }
    expect(cooldowns).toEqual([30_000, 60_000, 100_000, 100_000]);
  });

  it("closing forgets the doubling: the next outage starts from the base cooldown", async () => {
    const { unavailable, ok, time } = setup();
    for (let i = 0; i < 3; i += 1) await failure(unavailable());
    time.advance(30_000);
    await failure(unavailable());
    time.advance(60_000);
    await ok();
    for (let i = 0; i < 3; i += 1) await failure(unavailable());
    expect((await failure(ok())).retryAfterMs).toBe(30_000);
  });

  it("a probe failing for a reason of ours leaves the circuit half-open for the next caller", async () => {
    const { breakers, unavailable, ok, time } = setup();
    for (let i = 0; i < 3; i += 1) await failure(unavailable());
    time.advance(30_000);
    await expect(breakers.run("conn-a", async () => Promise.reject(new TypeError("bug")))).rejects.toThrow("bug");
    expect(breakers.states()).toMatchObject([{ state: "half_open" }]);
    expect(await ok()).toBe("ok");
    expect(breakers.states()).toEqual([]);
  });

  it("a hung probe stops blocking others after the probe timeout", async () => {
    const { breakers, unavailable, ok, time } = setup();
    for (let i = 0; i < 3; i += 1) await failure(unavailable());
    time.advance(30_000);
    void breakers.run("conn-a", () => new Promise<never>(() => {}));
    expect((await failure(ok())).code).toBe("circuit_open");
    time.advance(60_000);
    expect(await ok()).toBe("ok");
  });

  it("a call that started before the circuit opened cannot close it", async () => {
    const { breakers, unavailable, time } = setup();
    let answer!: (value: string) => void;
    const slow = breakers.run("conn-a", () => new Promise<string>((resolve) => (answer = resolve)));
    for (let i = 0; i < 3; i += 1) await failure(unavailable());
    answer("late");
    expect(await slow).toBe("late");
    expect(breakers.states()).toMatchObject([{ state: "open" }]);
    time.advance(1);
    expect((await failure(breakers.run("conn-a", async () => "x"))).code).toBe("circuit_open");
  });

  it("reads its settings from the environment, with defaults", () => {
    expect(breakerOptionsFromEnv({})).toEqual({ failureThreshold: 5, cooldownMs: 30_000, maxCooldownMs: 600_000 });
    expect(
      breakerOptionsFromEnv({ PROVIDER_BREAKER_FAILURES: "3", PROVIDER_BREAKER_COOLDOWN_SECONDS: "2", PROVIDER_BREAKER_MAX_COOLDOWN_SECONDS: "1" }),
    ).toEqual({
      failureThreshold: 3,
      cooldownMs: 2_000,
      maxCooldownMs: 2_000,
    });
    expect(breakerOptionsFromEnv({ PROVIDER_BREAKER_FAILURES: "zero" }).failureThreshold).toBe(5);
  });
});
