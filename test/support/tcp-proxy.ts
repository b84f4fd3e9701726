import { createConnection, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP proxy on 127.0.0.1 in front of PostgreSQL or Redis. Cutting it drops every open
 * connection and refuses new ones, as a network partition would, without touching the
 * server behind it.
 */
export interface TcpProxy {
  host: string
  port: number
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl)
  const targetPort = Number(target.port)
  const sockets = new Set<Socket>()

  const connect = (client: Socket) => {
    const upstream = createConnection({ host: target.hostname, port: targetPort })
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream)
    upstream.pipe(client)
  }

  let server = createServer(connect)
  const port = await listen(server, 0)

  const cut = async () => {
    const closed = new Promise((resolve) => server.close(resolve))
    for (const socket of sockets) socket.destroy()
    await closed
  }

  return {
    host: '127.0.0.1',
    port,
    cut,
    restore: async () => {
      server = createServer(connect)
      await listen(server, port)
    },
    close: async () => {
      if (server.listening) await cut()
    },
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    })
  })
}
