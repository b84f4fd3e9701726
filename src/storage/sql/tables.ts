import type { Generated } from 'kysely'

/** Column types as both dialects store them: booleans as 0/1, times as Unix seconds. */
export interface UsersTable {
  id: Generated<number>
  email: string
  email_key: string
  username: string | null
  password_hash: string
  is_active: number
  is_staff: number
  is_superuser: number
  last_login_at: number | null
  created_at: number
  password_changed_at: number
}

export interface SessionsTable {
  id: string
  user_id: number
  kind: string
  cookie_hash: string | null
  created_at: number
  last_used_at: number
  expires_at: number
  user_agent: string | null
  client_ip: string | null
  refresh_jti: string | null
  refresh_issued_at: number | null
  refresh_expires_at: number | null
  previous_refresh_jti: string | null
  rotated_at: number | null
  ended_at: number | null
  end_reason: string | null
}

export interface SigningKeysTable {
  kid: string
  algorithm: string
  private_key: string
  public_jwk: string | null
  created_at: number
  retired_at: number | null
}

export interface CountersTable {
  key: string
  count: number
  window_started_at: number
  blocked_until: number | null
}

export interface Database {
  users: UsersTable
  sessions: SessionsTable
  signing_keys: SigningKeysTable
  counters: CountersTable
}
