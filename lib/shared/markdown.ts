import MarkdownIt from 'markdown-it';

/**
 * Comment Markdown as safe HTML: raw HTML in the source is escaped (never
 * passed through), links are checked by markdown-it's validateLink
 * (javascript:, vbscript:, file: and data: refused) and open in a new tab
 * without the opener, and images are off (no tracking pixels or content
 * from elsewhere inside a result page). `@[Name]` becomes a mention chip.
 */
const markdown = new MarkdownIt({ html: false, linkify: true, breaks: true }).disable('image');

markdown.inline.ruler.before('link', 'mention', (state, silent) => {
  if (state.src.charCodeAt(state.pos) !== 0x40 /* @ */ || state.src.charCodeAt(state.pos + 1) !== 0x5b /* [ */) return false;
  const match = /^@\[([^\]\n]{1,100})\]/.exec(state.src.slice(state.pos));
  if (!match) return false;
  if (!silent) state.push('mention', '', 0).content = match[1]!.trim();
  state.pos += match[0].length;
  return true;
});
markdown.renderer.rules.mention = (tokens, index) =>
  `<span class="mention" data-mention="">@${markdown.utils.escapeHtml(tokens[index]!.content)}</span>`;

const defaultLinkOpen =
  markdown.renderer.rules.link_open ?? ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
markdown.renderer.rules.link_open = (tokens, index, options, env, self) => {
  tokens[index]!.attrSet('target', '_blank');
  tokens[index]!.attrSet('rel', 'noopener noreferrer nofollow');
  return defaultLinkOpen(tokens, index, options, env, self);
};

export function renderMarkdown(source: string): string {
  return markdown.render(source);
}
