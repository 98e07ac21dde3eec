/** A run of text with one look, from a line with ANSI SGR escape codes. */
export interface AnsiSpan {
  text: string;
  /** CSS colours. */
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

type Style = Omit<AnsiSpan, 'text'>;

const basic = ['#000000', '#cd3131', '#0dbc79', '#e5e510', '#2472c8', '#bc3fbc', '#11a8cd', '#e5e5e5'];
const bright = ['#666666', '#f14c4c', '#23d18b', '#f5f543', '#3b8eea', '#d670d6', '#29b8db', '#ffffff'];

function color256(code: number): string {
  if (code < 8) return basic[code]!;
  if (code < 16) return bright[code - 8]!;
  if (code < 232) {
    const index = code - 16;
    const level = (value: number) => (value === 0 ? 0 : 55 + value * 40);
    return `rgb(${level(Math.floor(index / 36))}, ${level(Math.floor(index / 6) % 6)}, ${level(index % 6)})`;
  }
  const gray = 8 + (code - 232) * 10;
  return `rgb(${gray}, ${gray}, ${gray})`;
}

/** Applies one SGR parameter list to a style; extended colours consume their arguments. */
function applySgr(style: Style, params: number[]): Style {
  const next: Style = { ...style };
  for (let i = 0; i < params.length; i++) {
    const code = params[i]!;
    if (code === 0) for (const key of Object.keys(next) as (keyof Style)[]) delete next[key];
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 22) {
      delete next.bold;
      delete next.dim;
    } else if (code === 23) delete next.italic;
    else if (code === 24) delete next.underline;
    else if (code >= 30 && code <= 37) next.fg = basic[code - 30];
    else if (code === 39) delete next.fg;
    else if (code >= 40 && code <= 47) next.bg = basic[code - 40];
    else if (code === 49) delete next.bg;
    else if (code >= 90 && code <= 97) next.fg = bright[code - 90];
    else if (code >= 100 && code <= 107) next.bg = bright[code - 100];
    else if (code === 38 || code === 48) {
      const key = code === 38 ? 'fg' : 'bg';
      if (params[i + 1] === 5 && params[i + 2] !== undefined) {
        next[key] = color256(params[i + 2]!);
        i += 2;
      } else if (params[i + 1] === 2 && params[i + 4] !== undefined) {
        next[key] = `rgb(${params[i + 2]}, ${params[i + 3]}, ${params[i + 4]})`;
        i += 4;
      }
    }
  }
  return next;
}

// CSI sequences (colours and cursor movement), OSC sequences (titles, links) and lone escapes.
const escapes = /\x1b\[([0-9;:?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?/g;

/**
 * Splits a line into styled spans: colours and attributes of SGR codes are
 * kept, every other escape sequence is dropped. Each line starts unstyled
 * (tools that colour output reset at line ends).
 */
export function ansiToSpans(line: string): AnsiSpan[] {
  const spans: AnsiSpan[] = [];
  let style: Style = {};
  let last = 0;
  const push = (text: string) => {
    if (text) spans.push({ text, ...style });
  };
  for (const match of line.matchAll(escapes)) {
    push(line.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[2] === 'm')
      style = applySgr(
        style,
        (match[1] || '0').split(/[;:]/).map((part) => Number(part) || 0),
      );
  }
  push(line.slice(last));
  return spans;
}
