export function TagChip({ name, color, onRemove }: { name: string; color?: string; onRemove?: () => void }) {
  return (
    <span className="inline-flex items-center gap-1 rounded-full border border-slate-300 px-2 py-0.5 text-xs dark:border-slate-600">
      <span aria-hidden className="h-2 w-2 rounded-full" style={{ background: color ?? '#94a3b8' }} />
      {name}
      {onRemove && (
        <button type="button" aria-label={`Remove tag ${name}`} className="ml-0.5 text-slate-500 hover:text-red-600" onClick={onRemove}>
          ×
        </button>
      )}
    </span>
  );
}
