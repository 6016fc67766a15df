import { Inngest, eventType, staticSchema } from "inngest";
import { JOB_NAMES, type JobName, type JobPayloads } from "@/lib/jobs/catalog";

// Used only inside this folder: lib/ dispatches through the sender the composition
// root installs (inngest/index.ts), so the inline driver can stand in for Inngest.
export const inngest = new Inngest({ id: "calsync" });

function typedEvent<N extends JobName>(name: N) {
  // Types only: payloads come from our own dispatch, already typed at the call site.
  return eventType(name, { schema: staticSchema<JobPayloads[N]>() });
}

/** One typed Inngest event per catalog event. */
export const jobEvents = Object.fromEntries(JOB_NAMES.map((name) => [name, typedEvent(name)])) as { [N in JobName]: ReturnType<typeof typedEvent<N>> };
