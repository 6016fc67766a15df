import { randomBytes } from "node:crypto";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { missingRequiredSettings } from "@/lib/setup/required";
import { MissingSettingsPage } from "./missing-settings-page";

describe("MissingSettingsPage", () => {
  it("names what production lacks, in a main landmark, and no value", () => {
    const secret = randomBytes(32).toString("base64");
    const missing = missingRequiredSettings({ NODE_ENV: "production", NEXTAUTH_SECRET: secret });
    const html = renderToStaticMarkup(createElement(MissingSettingsPage, { missing }));
    expect(html).toContain("<main");
    expect(html).toContain("ENCRYPTION_KEY is not set");
    expect(html).not.toContain("NEXTAUTH_SECRET");
    expect(html).not.toContain(secret);
  });
});
