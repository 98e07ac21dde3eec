import type { ReactNode } from 'react';

interface ResourceLayoutProps {
  title: string;
  description?: ReactNode;
  /** Shown instead of the list when there is nothing in it. */
  empty?: string;
  isEmpty?: boolean;
  children: ReactNode;
  /** The side panel, usually a creation form; left out for people who may not create. */
  side?: { title: string; content: ReactNode } | null;
}

/** A team page: the list of things on the left, the form to add one on the right. */
export function ResourceLayout({ title, description, empty, isEmpty, children, side }: ResourceLayoutProps) {
  return (
    <div className="grid gap-6 md:grid-cols-[2fr_1fr]">
      <section className="card">
        <h2 className={description ? 'mb-1 font-semibold' : 'mb-3 font-semibold'}>{title}</h2>
        {description && <p className="mb-3 text-sm text-slate-600">{description}</p>}
        {isEmpty ? <p className="text-sm text-slate-600">{empty}</p> : children}
      </section>
      {side && (
        <section className="card">
          <h2 className="mb-3 font-semibold">{side.title}</h2>
          {side.content}
        </section>
      )}
    </div>
  );
}
