import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'pino'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

/**
 * Wraps the server's logger so that the child Fastify makes for every request (bound to
 * its id) is only made when the request logs something. A pino child with redaction cost
 * more than a microsecond on every protected request (measured by `npm run bench`), and
 * almost no request logs. Lines logged are the same as with the real child.
 *
 * Given to Fastify as its `loggerInstance`, not as a `childLoggerFactory`: Fastify checks
 * the logger a custom factory returns on every request, which cost as much again.
 */
export function withLazyChildren(logger: FastifyBaseLogger): FastifyBaseLogger {
  return new LazyLogger(logger, {}, {}, logger)
}

class LazyLogger implements FastifyBaseLogger {
  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
    private made: FastifyBaseLogger | undefined = undefined,
  ) {}

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level
  }

  set level(level: string) {
    this.real().level = level
  }

  fatal(...values: unknown[]): void {
    this.write('fatal', values)
  }

  error(...values: unknown[]): void {
    this.write('error', values)
  }

  warn(...values: unknown[]): void {
    this.write('warn', values)
  }

  info(...values: unknown[]): void {
    this.write('info', values)
  }

  debug(...values: unknown[]): void {
    this.write('debug', values)
  }

  trace(...values: unknown[]): void {
    this.write('trace', values)
  }

  silent(): void {}

  child(bindings: Bindings, options: ChildLoggerOptions = {}): FastifyBaseLogger {
    return new LazyLogger(this.real(), bindings, options)
  }

  private real(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.options)
    return this.made
  }

  private write(level: Level, values: unknown[]): void {
    const logger = this.real()
    const log = logger[level] as (...values: unknown[]) => void
    log.apply(logger, values)
  }
}
