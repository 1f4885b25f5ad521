// The page shell: header with navigation, the CSRF token for forms, the event-stream URL for the script.
import { CSRF_FIELD } from './csrf.js';
import { html, type Html } from './html.js';

/** What every page renderer gets about the request. */
export interface View {
  /** The mount path ('' at the root). Every URL on a page starts with it. */
  base: string;
  /** The CSRF token of this session, for forms. */
  token: string;
  title: string;
  /** The delivery clock's now. */
  now: number;
}

export type Section = 'flags' | 'experiments' | 'rollouts' | 'shadows';

/** A URL under the mount path; each path segment given separately is percent-encoded. */
export function href(view: View, ...segments: string[]): string {
  return `${view.base}/${segments.map(encodeURIComponent).join('/')}`;
}

/** The hidden CSRF field every POST form carries. */
export function csrfField(view: View): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${view.token}">`;
}

export interface PageContent {
  section: Section | undefined;
  heading: string;
  body: Html;
  /** 'change': refresh on store changes; 'tick': also on every tick (data without store events); 'none'. */
  live: 'change' | 'tick' | 'none';
}

const NAV: [Section, string][] = [
  ['flags', 'Flags'],
  ['experiments', 'Experiments'],
  ['rollouts', 'Rollouts'],
  ['shadows', 'Shadows'],
];

/** The inside of <main>: what a live refresh swaps in. */
export function mainInner(c: PageContent): Html {
  return html`<h1>${c.heading}</h1>${c.body}`;
}

/** A whole page. */
export function page(view: View, c: PageContent): string {
  const nav = NAV.map(([s, label]) => html`<a href="${href(view, s)}"${c.section === s ? html` class="active" aria-current="page"` : ''}>${label}</a>`);
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${c.heading} · ${view.title}</title>
<meta name="pd-events" content="${href(view, 'events')}">
<meta name="csrf-token" content="${view.token}">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${href(view, 'assets', 'admin.css')}">
<script src="${href(view, 'assets', 'admin.js')}" defer></script></head>
<body><header class="top"><span class="brand">${view.title}</span><nav>${nav}</nav><span class="live off">static</span></header>
<main data-live="${c.live}">${mainInner(c)}</main></body></html>`.value}`;
}
