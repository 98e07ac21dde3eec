const colours: Record<string, string> = {
  pass: 'bg-green-100 text-green-800',
  passed: 'bg-green-100 text-green-800',
  fail: 'bg-red-100 text-red-800',
  failed: 'bg-red-100 text-red-800',
  error: 'bg-orange-100 text-orange-800',
  warn: 'bg-yellow-100 text-yellow-800',
  running: 'bg-blue-100 text-blue-800',
  queued: 'bg-slate-100 text-slate-700',
  cancelled: 'bg-slate-200 text-slate-700',
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${colours[status] ?? 'bg-slate-100 text-slate-700'}`}>{status}</span>;
}
