import type { SessionRecord, UserRecord } from '../../../storage/types.js'
import { html, type SafeHtml } from '../html.js'
import { alertRegion, csrfField, layout } from './layout.js'

export interface ProfilePageModel {
  user: UserRecord
  sessions: SessionRecord[]
  currentSessionId: string
  csrfToken: string
  /** A confirmation of what just happened, announced politely. */
  notice: string | null
  error: string | null
}

/** Who is signed in, where, and the forms to end sessions and change the password. */
export function profilePage(model: ProfilePageModel): SafeHtml {
  return layout(
    'Your account',
    html`<h1>Your account</h1>
<p id="notice" class="notice" role="status">${model.notice}</p>
${alertRegion('profile-error', model.error)}
${identitySection(model)}
${sessionsSection(model)}
${passwordSection(model)}`,
  )
}

function identitySection(model: ProfilePageModel): SafeHtml {
  const { user } = model

  return html`<section class="card" aria-labelledby="identity-heading">
<h2 id="identity-heading">Signed in</h2>
<p>Signed in as <strong id="signed-in-email">${user.email}</strong>${
    user.username ? html` (${user.username})` : null
  }.</p>
<form method="post" action="/accounts/logout/">
${csrfField(model.csrfToken)}
<button type="submit">Log out</button>
</form>
</section>`
}

function sessionsSection(model: ProfilePageModel): SafeHtml {
  return html`<section class="card" aria-labelledby="sessions-heading">
<h2 id="sessions-heading">Your sessions</h2>
<p>Each browser and each app signed in to your account. End any you do not recognise.</p>
<table>
<thead><tr>
<th scope="col">Kind</th><th scope="col">Device</th><th scope="col">Address</th>
<th scope="col">Started</th><th scope="col">Last used</th><th scope="col">Action</th>
</tr></thead>
<tbody>
${model.sessions.map((session) => sessionRow(session, model))}
</tbody>
</table>
<form method="post" action="/accounts/logout/">
${csrfField(model.csrfToken)}
<input type="hidden" name="all" value="true">
<button type="submit" class="danger">Log out everywhere</button>
</form>
</section>`
}

function sessionRow(session: SessionRecord, model: ProfilePageModel): SafeHtml {
  const current = session.id === model.currentSessionId
  const kind = session.kind === 'web' ? 'Browser' : 'API'
  const label = current ? 'Log out of this browser' : `End ${kind.toLowerCase()} session`

  return html`<tr data-session-id="${session.id}" data-session-kind="${session.kind}">
<td>${kind}${current ? html` <span class="tag">this browser</span>` : null}</td>
<td class="device">${session.userAgent ?? 'Unknown device'}</td>
<td>${session.clientIp ?? 'Unknown'}</td>
<td>${timeOf(session.createdAt)}</td>
<td>${timeOf(session.lastUsedAt)}</td>
<td><form method="post" action="/accounts/profile/end-session/">
${csrfField(model.csrfToken)}
<input type="hidden" name="session_id" value="${session.id}">
<button type="submit" aria-label="${label}">${current ? 'Log out' : 'End'}</button>
</form></td>
</tr>`
}

function passwordSection(model: ProfilePageModel): SafeHtml {
  return html`<section class="card" aria-labelledby="password-heading">
<h2 id="password-heading">Change password</h2>
<p>Changing your password ends every other session, in browsers and apps.</p>
<form method="post" action="/accounts/profile/password/">
${csrfField(model.csrfToken)}
<input type="hidden" name="username" autocomplete="username" value="${model.user.email}">
<label for="current-password">Current password</label>
<input id="current-password" name="current_password" type="password"
  autocomplete="current-password" required>
<label for="new-password">New password</label>
<input id="new-password" name="new_password" type="password" autocomplete="new-password"
  required>
<label for="confirm-password">New password, again</label>
<input id="confirm-password" name="confirm_password" type="password"
  autocomplete="new-password" required>
<button type="submit">Change password</button>
</form>
</section>`
}

function timeOf(seconds: number): SafeHtml {
  const iso = new Date(seconds * 1000).toISOString()
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`
}
