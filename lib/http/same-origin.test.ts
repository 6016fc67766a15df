import { describe, expect, it } from "vitest";
import { appOrigin } from "@/lib/config";
import { AppError } from "@/lib/http/errors";
import { refuseCrossSite, refuseNonJsonBody } from "@/lib/http/same-origin";

const OWN = "https://calsync.example.com";

function statusOf(run: () => void): number | null {
  try {
    run();
    return null;
  } catch (err) {
    if (err instanceof AppError) return err.status;
    throw err;
  }
}

describe("refuseCrossSite", () => {
  it("lets the app's own origin through and refuses any other, sibling subdomains and 'null' included", () => {
    expect(statusOf(() => refuseCrossSite(new Headers({ origin: OWN }), OWN))).toBeNull();
    for (const origin of [
      "https://evil.example.com",
      "https://sibling.calsync.example.com",
      "http://calsync.example.com",
      "https://calsync.example.com:8443",
      "null",
    ]) {
      expect(
        statusOf(() => refuseCrossSite(new Headers({ origin }), OWN)),
        origin,
      ).toBe(403);
    }
    // Origin decides when present, whatever Sec-Fetch-Site claims.
    expect(statusOf(() => refuseCrossSite(new Headers({ origin: "https://evil.example.com", "sec-fetch-site": "same-origin" }), OWN))).toBe(403);
  });

  it("without Origin, trusts only Sec-Fetch-Site: same-origin", () => {
    expect(statusOf(() => refuseCrossSite(new Headers({ "sec-fetch-site": "same-origin" }), OWN))).toBeNull();
    for (const site of ["same-site", "cross-site", "none"])
      expect(
        statusOf(() => refuseCrossSite(new Headers({ "sec-fetch-site": site }), OWN)),
        site,
      ).toBe(403);
  });

  it("lets a client that is not a browser (neither header) through", () => {
    expect(statusOf(() => refuseCrossSite(new Headers({ cookie: "next-auth.session-token=x" }), OWN))).toBeNull();
  });

  it("takes the app's origin from NEXTAUTH_URL, else the public URL", () => {
    expect(appOrigin({ NEXTAUTH_URL: "https://app.example.com/base/", CALSYNC_PUBLIC_URL: "https://tunnel.example.net" })).toBe("https://app.example.com");
    expect(appOrigin({ CALSYNC_PUBLIC_URL: "https://public.example.com:8443/" })).toBe("https://public.example.com:8443");
    expect(appOrigin({})).toBe("http://localhost:3000");
  });
});

describe("refuseNonJsonBody", () => {
  it("accepts application/json (any case, with parameters) and no body at all", () => {
    for (const type of ["application/json", "Application/JSON; charset=utf-8"])
      expect(
        statusOf(() => refuseNonJsonBody(new Headers({ "content-type": type }))),
        type,
      ).toBeNull();
    expect(statusOf(() => refuseNonJsonBody(new Headers()))).toBeNull();
    expect(statusOf(() => refuseNonJsonBody(new Headers({ "content-length": "0" })))).toBeNull();
  });

  it("refuses the bodies a page can send cross-site without a preflight, and an untyped body (415)", () => {
    for (const type of [
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonp",
      "application/json-seq",
    ]) {
      expect(
        statusOf(() => refuseNonJsonBody(new Headers({ "content-type": type }))),
        type,
      ).toBe(415);
    }
    expect(statusOf(() => refuseNonJsonBody(new Headers({ "content-length": "12" })))).toBe(415);
    expect(statusOf(() => refuseNonJsonBody(new Headers({ "transfer-encoding": "chunked" })))).toBe(415);
  });
});
