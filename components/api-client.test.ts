import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, errorMessage, fetchJson, isErrorBody } from "./api-client";

describe("errorMessage", () => {
  it("uses the server's message as a sentence", () => {
    expect(errorMessage({ error: { kind: "not_found", message: "calendar not found" } }, 404)).toBe("Calendar not found.");
    expect(errorMessage({ error: { kind: "conflict", message: "Already disconnected." } }, 409)).toBe("Already disconnected.");
  });

  it("falls back to a sentence chosen by status", () => {
    expect(errorMessage(null, 503)).toMatch(/temporarily unavailable/);
    expect(errorMessage({ error: { kind: "failed", message: "internal error" } }, 500)).toBe("calsync ran into a problem (HTTP 500). Try again in a moment.");
    expect(errorMessage("<html>", 418)).toBe("The request failed (HTTP 418).");
  });

  it("always tells a signed-out person to sign in again", () => {
    expect(errorMessage({ error: { kind: "unauthorized", message: "verification failed" } }, 401)).toMatch(/Sign in again/);
  });
});

describe("isErrorBody", () => {
  it("recognizes only the documented shape", () => {
    expect(isErrorBody({ error: { kind: "invalid", message: "bad" } })).toBe(true);
    expect(isErrorBody({ error: "bad" })).toBe(false);
    expect(isErrorBody(null)).toBe(false);
  });
});

describe("fetchJson", () => {
  afterEach(() => vi.unstubAllGlobals());

  const respond = (body: string, init: ResponseInit) =>
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => new Response(body, init)),
    );

  it("returns the parsed body and sends JSON headers", async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => new Response('{"ok":true}', { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);
    await expect(fetchJson<{ ok: boolean }>("/api/x", { method: "PATCH", body: "{}" })).resolves.toEqual({ ok: true });
    const headers = new Headers(fetchMock.mock.calls[0]?.[1]?.headers);
    expect(headers.get("Content-Type")).toBe("application/json");
    expect(headers.get("Accept")).toBe("application/json");
  });

  it("throws an ApiError carrying the ErrorBody", async () => {
    respond(JSON.stringify({ error: { kind: "conflict", message: "connection is busy", fields: { id: "x" } } }), { status: 409 });
    const error = await fetchJson("/api/x").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, kind: "conflict", message: "Connection is busy.", fields: { id: "x" } });
  });

  it("turns a network failure into a readable error", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => Promise.reject(new TypeError("fetch failed"))),
    );
    await expect(fetchJson("/api/x")).rejects.toMatchObject({ status: 0, kind: "network" });
  });

  it("rejects a non-JSON success instead of returning garbage", async () => {
    respond("<!doctype html>", { status: 200 });
    await expect(fetchJson("/api/x")).rejects.toMatchObject({ message: expect.stringMatching(/unexpected answer/) });
  });

  it("rethrows aborts untouched", async () => {
    const controller = new AbortController();
    controller.abort();
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => Promise.reject(new DOMException("aborted", "AbortError"))),
    );
    await expect(fetchJson("/api/x", { signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
  });
});
