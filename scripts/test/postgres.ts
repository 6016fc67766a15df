import pg from "pg";
import { explainDatabaseError } from "@/lib/db/errors";

/**
 * One short-lived connection for a few statements (CREATE/DROP DATABASE, reading
 * bookkeeping): the test harness's only way to talk to PostgreSQL outside the app.
 */
export async function queryOnce<Row extends pg.QueryResultRow = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect().catch((err: unknown) => {
    // One line naming host and cause, like the app and db:migrate give.
    throw explainDatabaseError(err, { kind: "postgres", url });
  });
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The same server URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const copy = new URL(url);
  copy.pathname = `/${database}`;
  return copy.toString();
}
