import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/http/errors";
import { readBodyLimited, utf8 } from "./body";

// A streamed body has no Content-Length of its own, as with chunked transfer encoding.
function streamed(chunks: Uint8Array[], headers?: Record<string, string>): Request {
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[index++];
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
  return new Request("http://app.test/api/webhooks/microsoft", { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    return err as AppError;
  }
  throw new Error("expected a rejection");
}

describe("readBodyLimited", () => {
  it("returns an empty body for a request without one", async () => {
    const body = await readBodyLimited(new Request("http://app.test/", { method: "POST" }), 16);
    expect(body.byteLength).toBe(0);
  });

  it("returns the bytes of a body up to the limit, joining chunks", async () => {
    const body = await readBodyLimited(streamed([new Uint8Array([1, 2]), new Uint8Array([3, 4])]), 4);
    expect([...body]).toEqual([1, 2, 3, 4]);
  });

  it("stops reading and cancels the stream once a body without Content-Length passes the limit", async () => {
    let cancelled = false;
    let pulled = 0;
    // Endless: only the limit ends it.
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(10));
      },
      cancel() {
        cancelled = true;
      },
    });
    const request = new Request("http://app.test/", { method: "POST", body: endless, duplex: "half" } as RequestInit);
    const err = await rejection(readBodyLimited(request, 25));
    expect(err.kind).toBe("too_large");
    expect(err.status).toBe(413);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(10);
  });

  it("refuses a declared Content-Length over the limit without reading", async () => {
    const request = new Request("http://app.test/", {
      method: "POST",
      headers: { "content-length": "1000000" },
      body: new ReadableStream<Uint8Array>({ pull() {} }),
      duplex: "half",
    } as RequestInit);
    expect((await rejection(readBodyLimited(request, 1024))).kind).toBe("too_large");
    expect(request.bodyUsed).toBe(false);
    expect(request.body?.locked).toBe(false);
  });

  it("does not trust a Content-Length that understates the body", async () => {
    const request = streamed([new Uint8Array(600), new Uint8Array(600)], { "content-length": "10" });
    expect((await rejection(readBodyLimited(request, 1024))).kind).toBe("too_large");
  });
});

describe("utf8", () => {
  it("decodes UTF-8 and answers null for invalid bytes", () => {
    expect(utf8(new TextEncoder().encode("é{}"))).toBe("é{}");
    expect(utf8(new Uint8Array([0xff, 0xfe]))).toBeNull();
  });
});
