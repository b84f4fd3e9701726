import { sql, type Kysely, type Selectable } from 'kysely'

import type {
  CounterState,
  EndedSession,
  NewSession,
  NewUser,
  RotateRefreshInput,
  SessionKind,
  SessionRecord,
  SigningKeyRecord,
  Storage,
  UserRecord,
} from '../types.js'
import { migrateToLatest } from './migrations.js'
import type { Database, SessionsTable, UsersTable } from './tables.js'

/** The one Storage implementation for every SQL dialect Kysely speaks for us. */
export class SqlStorage implements Storage {
  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
    private readonly isUniqueViolation: (error: unknown) => boolean,
  ) {}

  async migrate(): Promise<string[]> {
    return migrateToLatest(this.db, this.dialect)
  }

  async insertUser(user: NewUser): Promise<UserRecord | null> {
    try {
      const row = await this.db
        .insertInto('users')
        .values({
          email: user.email,
          email_key: user.emailKey,
          username: user.username,
          password_hash: user.passwordHash,
          is_active: flag(user.isActive),
          is_staff: flag(user.isStaff),
          is_superuser: flag(user.isSuperuser),
          created_at: user.createdAt,
          password_changed_at: user.passwordChangedAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return toUser(row)
    } catch (error) {
      if (this.isUniqueViolation(error)) return null
      throw error
    }
  }

  async findUserById(id: number): Promise<UserRecord | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row ? toUser(row) : null
  }

  async findUserByEmailKey(emailKey: string): Promise<UserRecord | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('email_key', '=', emailKey)
      .executeTakeFirst()
    return row ? toUser(row) : null
  }

  async updateUserPassword(id: number, passwordHash: string, changedAt: number): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash, password_changed_at: changedAt })
      .where('id', '=', id)
      .execute()
  }

  async updateUserActive(id: number, isActive: boolean): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ is_active: flag(isActive) })
      .where('id', '=', id)
      .execute()
  }

  async recordUserLogin(id: number, at: number): Promise<void> {
    await this.db.updateTable('users').set({ last_login_at: at }).where('id', '=', id).execute()
  }

  async deleteUser(id: number): Promise<void> {
    await this.db.deleteFrom('users').where('id', '=', id).execute()
  }

  async insertSession(session: NewSession): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: session.id,
        user_id: session.userId,
        kind: session.kind,
        cookie_hash: session.cookieHash,
        created_at: session.createdAt,
        last_used_at: session.lastUsedAt,
        expires_at: session.expiresAt,
        user_agent: session.userAgent,
        client_ip: session.clientIp,
        refresh_jti: session.refresh?.jti ?? null,
        refresh_issued_at: session.refresh?.issuedAt ?? null,
        refresh_expires_at: session.refresh?.expiresAt ?? null,
      })
      .execute()
  }

  async findSession(id: string): Promise<SessionRecord | null> {
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row ? toSession(row) : null
  }

  async findSessionByCookieHash(cookieHash: string): Promise<SessionRecord | null> {
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('cookie_hash', '=', cookieHash)
      .executeTakeFirst()
    return row ? toSession(row) : null
  }

  async rotateRefreshToken(input: RotateRefreshInput): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({
        previous_refresh_jti: input.presentedJti,
        refresh_jti: input.next.jti,
        refresh_issued_at: input.next.issuedAt,
        refresh_expires_at: input.next.expiresAt,
        rotated_at: input.rotatedAt,
        last_used_at: input.rotatedAt,
      })
      .where('id', '=', input.sessionId)
      .where('refresh_jti', '=', input.presentedJti)
      .where('ended_at', 'is', null)
      .executeTakeFirst()
    return result.numUpdatedRows === 1n
  }

  async touchSession(id: string, at: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_used_at: at }).where('id', '=', id).execute()
  }

  async endSession(id: string, at: number, reason: string): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ ended_at: at, end_reason: reason })
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .executeTakeFirst()
    return result.numUpdatedRows === 1n
  }

  async endUserSessions(
    userId: number,
    at: number,
    reason: string,
    exceptSessionId?: string,
  ): Promise<string[]> {
    let query = this.db
      .updateTable('sessions')
      .set({ ended_at: at, end_reason: reason })
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
    if (exceptSessionId !== undefined) query = query.where('id', '!=', exceptSessionId)

    const rows = await query.returning('id').execute()
    return rows.map((row) => row.id)
  }

  async listLiveSessions(userId: number, now: number): Promise<SessionRecord[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .execute()
    return rows.map(toSession)
  }

  async listSessionsEndedSince(since: number): Promise<EndedSession[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .select(['id', 'ended_at'])
      .where('ended_at', '>=', since)
      .execute()
    return rows.map((row) => ({ id: row.id, endedAt: Number(row.ended_at) }))
  }

  async deleteSessionsFinishedBefore(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('ended_at', '<', before), eb('expires_at', '<', before)]))
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    // Ties broken by kid: every instance must agree on which of two keys is the newer.
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .orderBy('created_at')
      .orderBy('kid')
      .execute()
    return rows.map((row) => ({
      kid: row.kid,
      algorithm: row.algorithm,
      privateKey: row.private_key,
      publicJwk: row.public_jwk,
      createdAt: Number(row.created_at),
      retiredAt: row.retired_at === null ? null : Number(row.retired_at),
    }))
  }

  async insertSigningKey(key: SigningKeyRecord): Promise<void> {
    await this.db
      .insertInto('signing_keys')
      .values({
        kid: key.kid,
        algorithm: key.algorithm,
        private_key: key.privateKey,
        public_jwk: key.publicJwk,
        created_at: key.createdAt,
        retired_at: key.retiredAt,
      })
      .execute()
  }

  async retireSigningKeys(algorithm: string, exceptKid: string, at: number): Promise<void> {
    await this.db
      .updateTable('signing_keys')
      .set({ retired_at: at })
      .where('algorithm', '=', algorithm)
      .where('kid', '!=', exceptKid)
      .where('retired_at', 'is', null)
      .execute()
  }

  async deleteSigningKeysRetiredBefore(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('signing_keys')
      .where('retired_at', '<', before)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async incrementCounter(key: string, now: number, windowSeconds: number): Promise<CounterState> {
    const row = await this.db
      .insertInto('counters')
      .values({ key, count: 1, window_started_at: now, blocked_until: null })
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet((eb) => ({
          count: eb
            .case()
            .when('counters.window_started_at', '<=', now - windowSeconds)
            .then(1)
            .else(eb('counters.count', '+', 1))
            .end(),
          window_started_at: eb
            .case()
            .when('counters.window_started_at', '<=', now - windowSeconds)
            .then(now)
            .else(eb.ref('counters.window_started_at'))
            .end(),
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow()
    return toCounter(row)
  }

  async readCounter(key: string): Promise<CounterState | null> {
    const row = await this.db
      .selectFrom('counters')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst()
    return row ? toCounter(row) : null
  }

  async blockCounter(key: string, until: number): Promise<void> {
    await this.db
      .updateTable('counters')
      .set({ blocked_until: until })
      .where('key', '=', key)
      .execute()
  }

  async deleteCounter(key: string): Promise<void> {
    await this.db.deleteFrom('counters').where('key', '=', key).execute()
  }

  async deleteCountersIdleSince(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('counters')
      .where('window_started_at', '<', before)
      .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', before)]))
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db)
  }

  async close(): Promise<void> {
    await this.db.destroy()
  }
}

function flag(value: boolean): number {
  return value ? 1 : 0
}

function optionalNumber(value: number | null): number | null {
  return value === null ? null : Number(value)
}

function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: Number(row.id),
    email: row.email,
    emailKey: row.email_key,
    username: row.username,
    passwordHash: row.password_hash,
    isActive: Boolean(row.is_active),
    isStaff: Boolean(row.is_staff),
    isSuperuser: Boolean(row.is_superuser),
    lastLoginAt: optionalNumber(row.last_login_at),
    createdAt: Number(row.created_at),
    passwordChangedAt: Number(row.password_changed_at),
  }
}

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  const hasRefresh = row.refresh_jti !== null
  return {
    id: row.id,
    userId: Number(row.user_id),
    kind: row.kind as SessionKind,
    cookieHash: row.cookie_hash,
    createdAt: Number(row.created_at),
    lastUsedAt: Number(row.last_used_at),
    expiresAt: Number(row.expires_at),
    userAgent: row.user_agent,
    clientIp: row.client_ip,
    refresh: hasRefresh
      ? {
          jti: row.refresh_jti as string,
          issuedAt: Number(row.refresh_issued_at),
          expiresAt: Number(row.refresh_expires_at),
        }
      : null,
    previousRefreshJti: row.previous_refresh_jti,
    rotatedAt: optionalNumber(row.rotated_at),
    endedAt: optionalNumber(row.ended_at),
    endReason: row.end_reason,
  }
}

function toCounter(row: Selectable<Database['counters']>): CounterState {
  return {
    count: Number(row.count),
    windowStartedAt: Number(row.window_started_at),
    blockedUntil: optionalNumber(row.blocked_until),
  }
}
