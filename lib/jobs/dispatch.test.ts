import { afterEach, describe, expect, it } from "vitest";
import type { FollowUp } from "@/lib/jobs/catalog";
import { dispatch, dispatchMany, installJobSender, jobSenderInstalled, NoJobSenderError } from "@/lib/jobs/dispatch";

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe("dispatch", () => {
  it("fails loudly when nothing installed a sender, so a miswired process cannot drop work", async () => {
    expect(jobSenderInstalled()).toBe(false);
    await expect(dispatch("connection/connected", { organizationId: "org-1", connectionId: "conn-1" })).rejects.toBeInstanceOf(NoJobSenderError);
  });

  it("hands jobs to the sender in order, and nothing for an empty list", async () => {
    const sent: FollowUp[][] = [];
    restore = installJobSender(async (items) => void sent.push([...items]));
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

  it("puts the previous sender back when a test's sender is undone", async () => {
    const outer: FollowUp[] = [];
    const inner: FollowUp[] = [];
    restore = installJobSender(async (items) => void outer.push(...items));
    const undo = installJobSender(async (items) => void inner.push(...items));
    await dispatch("connection/connected", { organizationId: "org-1", connectionId: "a" });
    undo();
    await dispatch("connection/connected", { organizationId: "org-1", connectionId: "b" });
    expect(inner.map((item) => item.data)).toEqual([{ organizationId: "org-1", connectionId: "a" }]);
    expect(outer.map((item) => item.data)).toEqual([{ organizationId: "org-1", connectionId: "b" }]);
  });

  it("passes a sender's failure to the caller, so a webhook route can ask to be retried", async () => {
    restore = installJobSender(async () => {
      throw new Error("Inngest unreachable");
    });
    await expect(dispatch("connection/connected", { organizationId: "org-1", connectionId: "conn-1" })).rejects.toThrow("Inngest unreachable");
  });
});
