import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/http/errors";
import { authorizeScrape } from "@/lib/telemetry/scrape";

const scrape = (authorization?: string) => new Request("http://calsync.test/api/metrics", { headers: authorization ? { authorization } : {} });
const env = { METRICS_TOKEN: "s3cret-metrics-token" };

function kindOf(run: () => void): string | null {
  try {
    run();
    return null;
  } catch (err) {
    return err instanceof AppError ? err.kind : "not an AppError";
  }
}

describe("authorizeScrape", () => {
  it("lets the configured bearer token through", () => {
    expect(kindOf(() => authorizeScrape(scrape("Bearer s3cret-metrics-token"), env))).toBeNull();
    expect(kindOf(() => authorizeScrape(scrape("bearer   s3cret-metrics-token "), env))).toBeNull();
  });

  it("refuses a missing, wrong, longer, shorter or differently framed token with 401", () => {
    for (const header of [
      undefined,
      "Bearer wrong",
      "Bearer s3cret-metrics-token-and-more",
      "Bearer s3cret",
      "Basic s3cret-metrics-token",
      "s3cret-metrics-token",
      "Bearer ",
    ]) {
      expect(
        kindOf(() => authorizeScrape(scrape(header), env)),
        String(header),
      ).toBe("unauthorized");
    }
  });

  it("does not exist without METRICS_TOKEN (404), whatever the request carries", () => {
    expect(kindOf(() => authorizeScrape(scrape("Bearer anything"), {}))).toBe("not_found");
    expect(kindOf(() => authorizeScrape(scrape("Bearer "), { METRICS_TOKEN: "  " }))).toBe("not_found");
  });
});
