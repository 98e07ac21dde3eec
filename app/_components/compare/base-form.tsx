/** Asks for another base run; `…/compare?base=N` redirects to the comparison's permanent URL. */
export function BaseForm({ action }: { action: string }) {
  return (
    <form method="get" action={action} className="flex items-center gap-2 text-sm">
      <label htmlFor="compare-base">Compare with run #</label>
      <input id="compare-base" name="base" inputMode="numeric" pattern="[0-9]+" className="w-20 rounded border px-2 py-1" required />
      <button type="submit" className="btn-quiet">
        Compare
      </button>
    </form>
  );
}
