import { ansiToSpans } from '@/lib/shared/ansi';

/** One log line with its ANSI colours as styled spans. */
export function LogLine({ text }: { text: string }) {
  return (
    <>
      {ansiToSpans(text).map((span, index) => (
        <span
          key={index}
          style={{
            color: span.fg,
            backgroundColor: span.bg,
            fontWeight: span.bold ? 600 : undefined,
            opacity: span.dim ? 0.7 : undefined,
            fontStyle: span.italic ? 'italic' : undefined,
            textDecoration: span.underline ? 'underline' : undefined,
          }}
        >
          {span.text}
        </span>
      ))}
    </>
  );
}
