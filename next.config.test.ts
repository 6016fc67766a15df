import { describe, expect, it } from "vitest";
import nextConfig from "./next.config";

// `next dev` serves its HMR socket only to allowed hosts; a page opened from another
// one never connects and reloads itself over and over (measured: opened as
// 127.0.0.1, every handshake failed until 127.0.0.1 was allowed).
describe("next.config", () => {
  it("lets a page opened as 127.0.0.1 (the e2e setup's host) reach the dev server's HMR socket", () => {
    expect(nextConfig.allowedDevOrigins).toContain("127.0.0.1");
  });
});
