import { describe, expect, it } from "vitest";
import { jobDriverName } from "@/lib/jobs/driver";

describe("jobDriverName", () => {
  it("is inline when nothing about Inngest is configured", () => {
    expect(jobDriverName({})).toBe("inline");
    expect(jobDriverName({ INNGEST_DEV: "0", INNGEST_BASE_URL: "  " })).toBe("inline");
  });

  it("is inngest when a dev server, base URL or signing key is configured", () => {
    expect(jobDriverName({ INNGEST_DEV: "1" })).toBe("inngest");
    expect(jobDriverName({ INNGEST_BASE_URL: "http://127.0.0.1:8288" })).toBe("inngest");
    expect(jobDriverName({ INNGEST_SIGNING_KEY: "signkey-prod-abc" })).toBe("inngest");
  });
});
