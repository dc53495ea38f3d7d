/** Small helpers for the server-rendered status page: every value goes through `text` or `attr`. */

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** A value as HTML text or attribute content, escaped; nothing for undefined and null. */
export const text = (value: string | number | undefined | null): string =>
  escapeHtml(value === undefined || value === null ? '' : String(value));

/** A link only for http(s) URLs: anything else is shown as text. */
export function link(url: string | undefined, label: string): string {
  if (!url) return '';
  return /^https?:\/\//i.test(url) ? `<a href="${text(url)}">${text(label)}</a>` : text(label);
}

/** The first 7 characters of a revision, as git shows it. */
export const short = (sha: string | undefined): string => (sha ? sha.slice(0, 7) : '—');

/** An ISO time without milliseconds, readable: 2026-01-02 03:04:05Z. */
export const time = (iso: string | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');

/** A metric value as the announcements write it: integers as they are, else four decimals. */
export const metricValue = (n: number | undefined): string =>
  n === undefined ? '—' : Number.isInteger(n) ? String(n) : n.toFixed(4);
