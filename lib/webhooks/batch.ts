import { rawQuery } from "@/lib/db/raw";

/**
 * Group statements for the webhook hot path. Requests that arrive together (in the
 * same turn of the event loop, e.g. a provider's concurrent deliveries) have their
 * notifications verified and stored by ONE statement: one round trip and one
 * commit for the group instead of one each, which is most of what a notification
 * costs beyond the framework itself. Each request still resolves only after that
 * statement committed, so its 2xx still means durable; if the statement fails,
 * every request of the group fails (and answers 5xx, so providers retry).
 *
 * The statement takes the items as a JSON array in $1 (each with an `ord`, its
 * index in the group) and returns rows carrying `ord`; rows go back to the request
 * that sent the item, with the request's own `ord` restored.
 */
export interface StatementBatcher<Row extends { ord: number }> {
  run(items: ReadonlyArray<{ ord: number } & Record<string, unknown>>): Promise<Row[]>;
}

interface Entry<Row> {
  items: ReadonlyArray<{ ord: number } & Record<string, unknown>>;
  resolve: (rows: Row[]) => void;
  reject: (err: unknown) => void;
}

export function statementBatcher<Row extends { ord: number }>(options: {
  name: string;
  text: string;
  /** Parameters after $1, the same for every group. */
  values?: readonly unknown[];
  /** Most items per statement; more wait for the next statement. */
  maxItems?: number;
}): StatementBatcher<Row> {
  const maxItems = options.maxItems ?? 500;
  const queue: Entry<Row>[] = [];
  let scheduled = false;

  function runGroup(group: Entry<Row>[]): void {
    const owners: Array<{ entry: Entry<Row>; ord: number }> = [];
    const payload: Array<Record<string, unknown>> = [];
    for (const entry of group) {
      for (const item of entry.items) {
        owners.push({ entry, ord: item.ord });
        payload.push({ ...item, ord: payload.length });
      }
    }
    rawQuery<Row>({ name: options.name, text: options.text, values: [JSON.stringify(payload), ...(options.values ?? [])] }).then(
      (rows) => {
        const byEntry = new Map<Entry<Row>, Row[]>(group.map((entry) => [entry, []]));
        for (const row of rows) {
          const owner = owners[row.ord];
          if (owner) byEntry.get(owner.entry)!.push({ ...row, ord: owner.ord });
        }
        for (const entry of group) entry.resolve(byEntry.get(entry)!);
      },
      (err: unknown) => {
        for (const entry of group) entry.reject(err);
      },
    );
  }

  function flush(): void {
    scheduled = false;
    while (queue.length > 0) {
      const group: Entry<Row>[] = [];
      let count = 0;
      while (queue.length > 0 && (group.length === 0 || count + queue[0]!.items.length <= maxItems)) {
        const entry = queue.shift()!;
        group.push(entry);
        count += entry.items.length;
      }
      runGroup(group);
    }
  }

  return {
    run(items) {
      if (items.length === 0) return Promise.resolve([]);
      return new Promise<Row[]>((resolve, reject) => {
        queue.push({ items, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          // After this turn's I/O callbacks: the requests that arrived together join.
          setImmediate(flush);
        }
      });
    },
  };
}
