import { afterEach, describe, expect, it } from "vitest";
import { activeJobDriver, dispatch, dispatchMany, replaceJobSender } from "@/lib/jobs/dispatch";
import { jobDriverName } from "@/lib/jobs/driver";
import type { FollowUp } from "@/lib/jobs/handlers";

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe("dispatch", () => {
  it("uses the driver the environment names, and keeps it for the process", () => {
    expect(activeJobDriver()).toBe(jobDriverName());
    expect(activeJobDriver()).toBe(activeJobDriver());
  });

  it("hands jobs to the sender in order, and nothing for an empty list", async () => {
    const sent: FollowUp[][] = [];
    restore = replaceJobSender(async (items) => void sent.push([...items]));
    await dispatch("connection/connected", { organizationId: "org-1", connectionId: "conn-1" });
    await dispatchMany([]);
    await dispatchMany([
      { name: "calendar/sync.requested", data: { organizationId: "org-1", calendarId: "cal-1", trigger: "manual" } },
      { name: "subscription/lifecycle", data: { organizationId: "org-1", subscriptionId: "sub-1", lifecycleEvent: "missed" } },
    ]);
    expect(sent).toEqual([
      [{ name: "connection/connected", data: { organizationId: "org-1", connectionId: "conn-1" } }],
      [
        { name: "calendar/sync.requested", data: { organizationId: "org-1", calendarId: "cal-1", trigger: "manual" } },
        { name: "subscription/lifecycle", data: { organizationId: "org-1", subscriptionId: "sub-1", lifecycleEvent: "missed" } },
      ],
    ]);
  });

  it("passes a sender's failure to the caller, so a webhook route can ask to be retried", async () => {
    restore = replaceJobSender(async () => {
      throw new Error("Inngest unreachable");
    });
    await expect(dispatch("connection/connected", { organizationId: "org-1", connectionId: "conn-1" })).rejects.toThrow("Inngest unreachable");
  });
});
