import { describe, expect, it } from "vitest";
import { peopleOf } from "./meeting-hours";

describe("peopleOf", () => {
  it("sums each person's weeks, busiest first, with the weeks in order", () => {
    const { people, weeks } = peopleOf([
      { email: "b@x", name: "B", week: "2026-12-07", hours: 1, meetings: 1 },
      { email: "a@x", name: null, week: "2026-11-30", hours: 2.5, meetings: 2 },
      { email: "b@x", name: "B", week: "2026-11-30", hours: 0.5, meetings: 1 },
      { email: "a@x", name: null, week: "2026-12-07", hours: 1, meetings: 1 },
    ]);
    expect(weeks).toEqual(["2026-11-30", "2026-12-07"]);
    expect(people.map((person) => [person.email, person.total, Object.fromEntries(person.byWeek)])).toEqual([
      ["a@x", 3.5, { "2026-11-30": 2.5, "2026-12-07": 1 }],
      ["b@x", 1.5, { "2026-11-30": 0.5, "2026-12-07": 1 }],
    ]);
  });
});
