import { describe, expect, it } from "vitest";
import { ruleText } from "./rule-text";

describe("ruleText", () => {
  it("puts the common rules into words", () => {
    expect(ruleText(["RRULE:FREQ=WEEKLY;BYDAY=MO,WE"])).toBe("Weekly on Mon, Wed");
    expect(ruleText(["RRULE:FREQ=DAILY;COUNT=10"])).toBe("Daily, 10 times");
    expect(ruleText(["RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;UNTIL=20270101T000000Z"])).toBe("Every 2 weeks on Fri, until 2027-01-01");
    expect(ruleText(["EXDATE:20270101T100000Z", "RRULE:FREQ=MONTHLY;BYDAY=-1TH"])).toBe("Monthly on last Thu");
  });

  it("keeps a rule it cannot read as given, and has nothing without one", () => {
    expect(ruleText(["RRULE:FREQ=SECONDLY"])).toBe("RRULE:FREQ=SECONDLY");
    expect(ruleText([])).toBeNull();
  });
});
