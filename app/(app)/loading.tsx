import { Spinner } from "@/components/ui/spinner";

export default function AppLoading() {
  return (
    <div className="flex justify-center py-24 text-brand-600">
      <Spinner className="h-6 w-6" label="Loading…" />
    </div>
  );
}
