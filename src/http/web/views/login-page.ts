import { html, type SafeHtml } from '../html.js'
import { alertRegion, csrfField, layout } from './layout.js'

export interface LoginPageModel {
  csrfToken: string
  /** A checked same-origin path to return to after login, or null. */
  next: string | null
  /** What the user typed, kept after a failed attempt. */
  email: string
  error: string | null
}

/** The login form: email and password, with labels and autocomplete hints. */
export function loginPage(model: LoginPageModel): SafeHtml {
  const invalid = model.error ? 'true' : 'false'

  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
${alertRegion('login-error', model.error)}
<form class="card" method="post" action="/accounts/login/">
${csrfField(model.csrfToken)}
${model.next ? html`<input type="hidden" name="next" value="${model.next}">` : null}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required
  value="${model.email}" aria-invalid="${invalid}" aria-describedby="login-error">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required
  aria-invalid="${invalid}" aria-describedby="login-error">
<button type="submit">Sign in</button>
</form>`,
  )
}
