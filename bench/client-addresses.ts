import net from 'node:net'

/**
 * Gives every connection the bench opens its own source address in 127.0.0.0/8, so the
 * server sees many clients, as it would in use, instead of one. Gatehouse's defaults limit
 * token requests per client address (600 a minute) and check one login at a time per
 * address (so a hundred guesses sent at once meet the failure counter one by one): a load
 * from a single address would measure those limits, not the server.
 *
 * autocannon opens its sockets with `net.connect(port, host)`; only that form, to a
 * loopback host, is given an address. Addresses are never reused within a run.
 */
export function spreadClientAddresses(): void {
  const connect = net.connect.bind(net) as (...args: unknown[]) => net.Socket
  let next = 0

  const spread = (...args: unknown[]): net.Socket => {
    const [port, host] = args
    if (typeof port !== 'number' || typeof host !== 'string' || !host.startsWith('127.')) {
      return connect(...args)
    }
    next += 1
    return connect({ port, host, localAddress: loopbackAddress(next) })
  }
  net.connect = spread as typeof net.connect
}

/** The n-th address of 127.1.0.0/16 and up: clear of 127.0.0.1, where the servers listen. */
function loopbackAddress(n: number): string {
  const base = 0x7f010000 + n
  return [base >>> 24, (base >>> 16) & 0xff, (base >>> 8) & 0xff, base & 0xff].join('.')
}
