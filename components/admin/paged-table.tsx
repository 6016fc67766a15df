"use client";

import type { ReactNode } from "react";
import { QueryErrorPanel } from "@/components/query-state";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { formatCount } from "./format";

/** The part of a TanStack infinite query a paged admin table needs. */
interface PagedQuery {
  isPending: boolean;
  isError: boolean;
  data: unknown;
  error: unknown;
  isFetching: boolean;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  refetch: () => unknown;
  fetchNextPage: () => unknown;
}

/**
 * The shell every paged admin log shares (webhook events, sync runs): loading,
 * error with retry, empty, then the table with a count and "Load more".
 */
export function PagedTable(props: {
  query: PagedQuery;
  /** Plural for messages ("webhook events"). */
  what: string;
  /** Singular for the count ("event"). */
  noun: string;
  rowCount: number;
  /** Test id stem: `<stem>-empty`, `<stem>-table`. */
  testId: string;
  columns: Array<{ label: string; alignRight?: boolean }>;
  children: ReactNode;
}) {
  const { query } = props;
  if (query.isPending) {
    return (
      <div aria-busy="true" className="h-64 animate-pulse rounded-xl border border-slate-200 bg-white motion-reduce:animate-none">
        <p role="status" className="sr-only">
          Loading {props.what}…
        </p>
      </div>
    );
  }
  if (query.isError && !query.data) {
    return <QueryErrorPanel error={query.error} what={props.what} onRetry={() => void query.refetch()} retrying={query.isFetching} />;
  }
  if (props.rowCount === 0) {
    return (
      <Card className="p-6 text-sm text-slate-600" data-testid={`${props.testId}-empty`}>
        No {props.what} match these filters.
      </Card>
    );
  }
  return (
    // Focusable, so a keyboard can scroll it sideways on a narrow screen.
    <Card className="relative overflow-x-auto" tabIndex={0} role="region" aria-label={`Table of ${props.what}`}>
      <table className="w-full min-w-[52rem] text-sm" data-testid={`${props.testId}-table`}>
        <thead className="border-b border-slate-100 bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-500 uppercase">
          <tr>
            {props.columns.map((column) => (
              <th key={column.label} scope="col" className={column.alignRight ? "px-4 py-2 text-right" : "px-4 py-2"}>
                {column.label}
              </th>
            ))}
            <th scope="col" className="px-4 py-2">
              <span className="sr-only">Details</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{props.children}</tbody>
      </table>
      <div className="flex items-center justify-between gap-3 border-t border-slate-100 px-4 py-3 text-sm text-slate-600">
        <span aria-live="polite">{formatCount(props.rowCount, props.noun)} shown</span>
        {query.hasNextPage ? (
          <Button
            size="sm"
            variant="secondary"
            onClick={() => void query.fetchNextPage()}
            loading={query.isFetchingNextPage}
            loadingText="Loading…"
            data-testid="load-more"
          >
            Load more
          </Button>
        ) : (
          <span className="text-slate-500">That is all.</span>
        )}
      </div>
    </Card>
  );
}
