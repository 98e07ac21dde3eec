'use client';

import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { collaborationEventNames, type CommentChange } from '@/lib/shared/events/collaboration';
import { renderMarkdown } from '@/lib/shared/markdown';
import { mentionOf } from '@/lib/shared/mentions';
import type { CommentView } from '@/lib/server/comments/comments';
import { openLiveSocket } from '../run/live-socket';

interface Member {
  userId: string;
  name: string;
}

interface CommentsProps {
  /** REST path of the run's comments */
  api: string;
  /** the result page's platform and test; none for the run's own comments */
  page?: { platform: string; test: string };
  room: string;
  currentUserId: string;
  canComment: boolean;
  canModerate: boolean;
  members: Member[];
}

async function send(method: string, url: string, body?: unknown): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = response.status === 204 ? null : ((await response.json()) as { error?: string });
  return response.ok ? { ok: true, value: payload } : { ok: false, error: payload?.error ?? `HTTP ${response.status}` };
}

function upsert(list: CommentView[], comment: CommentView): CommentView[] {
  const index = list.findIndex((item) => item.id === comment.id);
  if (index < 0) return [...list, comment];
  return list.map((item) => (item.id === comment.id ? comment : item));
}

/** The comments of a run or a result page: Markdown, @mentions, live for everyone on the page. */
export function Comments({ api, page, room, currentUserId, canComment, canModerate, members }: CommentsProps) {
  const [comments, setComments] = useState<CommentView[]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const listUrl = useMemo(() => (page ? `${api}?${new URLSearchParams({ platform: page.platform, test: page.test })}` : api), [api, page]);

  useEffect(() => {
    const load = () =>
      void fetch(listUrl)
        .then(async (response) => (response.ok ? setComments((await response.json()) as CommentView[]) : undefined))
        .catch(() => setError('could not load the comments'));
    const socket = openLiveSocket(
      [room],
      {
        [collaborationEventNames.comment]: (change: CommentChange) => {
          if (change.action === 'deleted') setComments((list) => list.filter((item) => item.id !== change.id));
          else setComments((list) => upsert(list, { ...change.comment, platform: page?.platform ?? null, test: page?.test ?? null }));
        },
      },
      // On every (re)connect: what was said while the connection was down.
      () => load(),
      () => {},
    );
    return () => {
      socket.close();
    };
  }, [listUrl, room, page]);

  // A link to a comment (from a notification) scrolls to it once it is there.
  useEffect(() => {
    const target = /^#comment-[\w-]+$/.test(window.location.hash) ? document.querySelector(window.location.hash) : null;
    target?.scrollIntoView({ block: 'center' });
  }, [comments.length]);

  const remove = async (id: string) => {
    if (!window.confirm('Delete this comment?')) return;
    const outcome = await send('DELETE', `${api}/${id}`);
    if (!outcome.ok) setError(outcome.error);
    else setComments((list) => list.filter((item) => item.id !== id));
  };

  return (
    <section className="card" data-testid="comments">
      <h2 className="mb-3 font-semibold">Comments</h2>
      {comments.length === 0 && <p className="mb-3 text-sm text-slate-500">No comments yet.</p>}
      <ol className="mb-4 space-y-3">
        {comments.map((comment) => (
          <li key={comment.id} id={`comment-${comment.id}`} className="rounded border border-slate-200 p-3" data-testid="comment">
            <div className="mb-1 flex flex-wrap items-baseline gap-2 text-xs text-slate-500">
              <span className="font-semibold text-slate-700" data-testid="comment-author">
                {comment.author?.name ?? 'a former user'}
              </span>
              <time dateTime={comment.createdAt}>{new Date(comment.createdAt).toLocaleString()}</time>
              {comment.updatedAt !== comment.createdAt && <span>(edited)</span>}
              <span className="ml-auto flex gap-2">
                {comment.author?.id === currentUserId && editing !== comment.id && (
                  <button className="hover:underline" onClick={() => setEditing(comment.id)}>
                    Edit
                  </button>
                )}
                {(comment.author?.id === currentUserId || canModerate) && (
                  <button className="hover:underline" onClick={() => void remove(comment.id)}>
                    Delete
                  </button>
                )}
              </span>
            </div>
            {editing === comment.id ? (
              <CommentForm
                members={members}
                initial={comment.body}
                submitLabel="Save"
                onCancel={() => setEditing(null)}
                onSubmit={async (body) => {
                  const outcome = await send('PATCH', `${api}/${comment.id}`, { body });
                  if (!outcome.ok) return outcome.error;
                  setComments((list) => upsert(list, outcome.value as CommentView));
                  setEditing(null);
                  return null;
                }}
              />
            ) : (
              // Safe: markdown-it escapes raw HTML and refuses script links (lib/shared/markdown.ts).
              <div
                className="markdown text-sm"
                data-testid="comment-body"
                dangerouslySetInnerHTML={{ __html: renderMarkdown(comment.body) }}
              />
            )}
          </li>
        ))}
      </ol>
      {error && <p className="mb-2 text-sm text-red-700">{error}</p>}
      {canComment ? (
        <CommentForm
          members={members}
          initial=""
          submitLabel="Comment"
          onSubmit={async (body) => {
            const outcome = await send('POST', api, { body, ...page });
            if (!outcome.ok) return outcome.error;
            setComments((list) => upsert(list, outcome.value as CommentView));
            return null;
          }}
        />
      ) : (
        <p className="text-sm text-slate-500">Viewers read comments; members and up write them.</p>
      )}
    </section>
  );
}

/** The word being typed after an "@", if the caret is in one. */
function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const match = /(^|\s)@\[?([^\]\n@]{0,40})$/.exec(text.slice(0, caret));
  return match ? { start: caret - match[2]!.length - (match[0].includes('@[') ? 2 : 1), query: match[2]! } : null;
}

function CommentForm({
  members,
  initial,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  members: Member[];
  initial: string;
  submitLabel: string;
  onSubmit: (body: string) => Promise<string | null>;
  onCancel?: () => void;
}) {
  const [text, setText] = useState(initial);
  const [caret, setCaret] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [highlighted, setHighlighted] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);

  const mention = mentionQuery(text, caret);
  const suggestions = mention
    ? members.filter((member) => member.name.toLowerCase().includes(mention.query.trim().toLowerCase())).slice(0, 6)
    : [];

  const choose = (member: Member) => {
    if (!mention) return;
    const inserted = `${mentionOf(member.name)} `;
    const next = text.slice(0, mention.start) + inserted + text.slice(caret);
    setText(next);
    const position = mention.start + inserted.length;
    setCaret(position);
    requestAnimationFrame(() => {
      area.current?.focus();
      area.current?.setSelectionRange(position, position);
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggestions.length === 0) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setHighlighted((index) => (index + (event.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      choose(suggestions[Math.min(highlighted, suggestions.length - 1)]!);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const failure = await onSubmit(text).catch((failed: Error) => failed.message);
    setBusy(false);
    setError(failure);
    if (!failure && !onCancel) setText('');
  };

  return (
    <form onSubmit={(event) => void submit(event)} className="relative space-y-2">
      <textarea
        ref={area}
        className="input min-h-24 w-full font-mono text-sm"
        value={text}
        maxLength={10_000}
        placeholder="Markdown; type @ to mention someone"
        aria-label="comment"
        data-testid="comment-input"
        onChange={(event) => {
          setText(event.target.value);
          setCaret(event.target.selectionStart);
          setHighlighted(0);
        }}
        onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
        onKeyDown={onKeyDown}
      />
      {suggestions.length > 0 && (
        <ul
          className="absolute z-10 rounded border border-slate-300 bg-white text-sm shadow"
          role="listbox"
          data-testid="mention-suggestions"
        >
          {suggestions.map((member, index) => (
            <li key={member.userId}>
              <button
                type="button"
                role="option"
                aria-selected={index === highlighted}
                className={`block w-full px-3 py-1 text-left ${index === highlighted ? 'bg-indigo-50' : ''}`}
                onMouseDown={(event) => {
                  event.preventDefault();
                  choose(member);
                }}
              >
                {member.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="flex gap-2">
        <button className="btn" disabled={busy || !text.trim()} data-testid="comment-submit">
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="btn-quiet" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      {error && <p className="text-sm text-red-700">{error}</p>}
    </form>
  );
}
