// A series rule (RFC 5545 RRULE lines) in words, for the event drawer. Only the
// common parts are put into words; anything else keeps the rule's own text.

const FREQ: Record<string, [one: string, many: string]> = {
  DAILY: ["Daily", "days"],
  WEEKLY: ["Weekly", "weeks"],
  MONTHLY: ["Monthly", "months"],
  YEARLY: ["Yearly", "years"],
};
const DAYS: Record<string, string> = { MO: "Mon", TU: "Tue", WE: "Wed", TH: "Thu", FR: "Fri", SA: "Sat", SU: "Sun" };

function untilText(value: string): string {
  const match = /^(\d{4})(\d{2})(\d{2})/.exec(value);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : value;
}

/** "Weekly on Mon, Wed, 10 times"; null when there is no RRULE line. */
export function ruleText(lines: string[]): string | null {
  const line = lines.find((candidate) => /^RRULE:/i.test(candidate.trim()));
  if (!line) return null;
  const parts = new Map(
    line
      .trim()
      .slice("RRULE:".length)
      .split(";")
      .map((part) => {
        const [key = "", value = ""] = part.split("=");
        return [key.toUpperCase(), value] as const;
      }),
  );
  const freq = FREQ[parts.get("FREQ")?.toUpperCase() ?? ""];
  if (!freq) return line.trim();
  const interval = Number(parts.get("INTERVAL") ?? "1");
  const words = [interval > 1 ? `Every ${interval} ${freq[1]}` : freq[0]];
  const byDay = parts.get("BYDAY");
  if (byDay) {
    const days = byDay.split(",").map((day) => {
      const match = /^([+-]?\d+)?([A-Z]{2})$/i.exec(day);
      if (!match) return day;
      const name = DAYS[match[2]!.toUpperCase()] ?? match[2]!;
      return match[1] ? `${match[1] === "-1" ? "last" : `#${Number(match[1])}`} ${name}` : name;
    });
    words.push(`on ${days.join(", ")}`);
  }
  const count = parts.get("COUNT");
  const until = parts.get("UNTIL");
  if (count) words.push(`${count} times`);
  else if (until) words.push(`until ${untilText(until)}`);
  return words.join(", ").replace(/, on /, " on ");
}
