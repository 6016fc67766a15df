"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";
import type { PrivacySettingsResponse } from "@/lib/api/types";
import { messageOf } from "@/components/api-client";
import { QueryErrorPanel } from "@/components/query-state";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { adminQueryKey, fetchPrivacy, savePrivacy } from "./queries";

type Settings = PrivacySettingsResponse["settings"];

const CHOICES: ReadonlyArray<{ value: Settings["privateEvents"]; label: string; detail: string }> = [
  { value: "everything", label: "Everything", detail: "Private events are mirrored like any other." },
  { value: "busy_only", label: "Busy only", detail: 'Times and busy/free; the title reads "Busy"; no description, location, attendees or raw data.' },
  { value: "nothing", label: "Nothing", detail: "Private events are not mirrored at all." },
];

/** What the organization keeps of private and declined events; saving rewrites what is mirrored. */
export function PrivacySettings() {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: [...adminQueryKey, "privacy"], queryFn: fetchPrivacy });
  const [draft, setDraft] = useState<Settings | null>(null);
  const save = useMutation({
    mutationFn: savePrivacy,
    onSuccess: (result) => {
      toast.success(`Privacy saved: ${result.rewritten} events rewritten, ${result.resynced} calendars resyncing`);
      setDraft(null);
      void queryClient.invalidateQueries({ queryKey: adminQueryKey });
    },
    onError: (error) => toast.error(messageOf(error)),
  });
  if (query.isError) return <QueryErrorPanel error={query.error} what="the privacy setting" onRetry={() => void query.refetch()} retrying={query.isFetching} />;
  if (!query.data) return <p className="text-sm text-slate-500">Loading…</p>;
  const settings = draft ?? query.data.settings;
  const changed = draft !== null && (draft.privateEvents !== query.data.settings.privateEvents || draft.keepDeclined !== query.data.settings.keepDeclined);
  return (
    <Card className="p-4 sm:p-5">
      <form
        data-testid="privacy-settings"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate(settings);
        }}
      >
        <fieldset>
          <legend className="text-sm font-semibold text-slate-900">Events marked private or confidential</legend>
          <div className="mt-3 space-y-2">
            {CHOICES.map((choice) => (
              <label key={choice.value} className="flex items-start gap-3 text-sm">
                <input
                  type="radio"
                  name="privateEvents"
                  value={choice.value}
                  checked={settings.privateEvents === choice.value}
                  onChange={() => setDraft({ ...settings, privateEvents: choice.value })}
                  className="mt-1"
                />
                <span>
                  <span className="font-medium text-slate-900">{choice.label}</span>
                  <span className="block text-slate-600">{choice.detail}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <label className="mt-4 flex items-center gap-3 text-sm">
          <input
            type="checkbox"
            name="keepDeclined"
            checked={settings.keepDeclined}
            onChange={(event) => setDraft({ ...settings, keepDeclined: event.target.checked })}
          />
          <span className="text-slate-900">Keep events the calendar&apos;s owner declined</span>
        </label>
        <p className="mt-4 text-xs text-slate-500">Saving rewrites what is already mirrored at once, then resyncs every synced calendar.</p>
        <Button type="submit" className="mt-3" disabled={!changed || save.isPending}>
          {save.isPending ? "Saving…" : "Save"}
        </Button>
      </form>
    </Card>
  );
}
