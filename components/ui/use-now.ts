"use client";

import { useEffect, useState } from "react";

/**
 * The current time, refreshed every `intervalMs`, so "2 minutes ago" keeps counting
 * while the page stays open without each caller running its own timer logic.
 */
export function useNow(intervalMs = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
