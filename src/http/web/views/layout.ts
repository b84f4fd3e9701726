import { html, type SafeHtml } from '../html.js'

/** Where the one stylesheet is served; pages have no inline style. */
export const STYLESHEET_PATH = '/static/gatehouse.css'

/** The frame every page shares: language, viewport, stylesheet, one `main` landmark. */
export function layout(title: string, main: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Gatehouse</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<header class="site"><span class="brand">Gatehouse</span></header>
<main>
${main}
</main>
</body>
</html>
`
}

/**
 * The region a screen reader announces when it holds text. It is always on the page, so a
 * page that shows an error has it in the same place.
 */
export function alertRegion(id: string, message: string | null): SafeHtml {
  return html`<div id="${id}" class="alert" role="alert">${message}</div>`
}

/** The hidden field that carries a form's CSRF token. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf_token" value="${token}">`
}
