import { html, type SafeHtml } from '../html.js'
import { alertRegion, layout } from './layout.js'

/** A page for a refused request: the reason, and a way back. */
export function errorPage(message: string): SafeHtml {
  return layout(
    'Request refused',
    html`<h1>Request refused</h1>
${alertRegion('page-error', message)}
<p><a href="/accounts/profile/">Go to your account</a> or
<a href="/accounts/login/">sign in</a>.</p>`,
  )
}
