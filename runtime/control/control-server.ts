import { chmod, rm } from 'node:fs/promises'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { isStationError, messageOf, StationError } from '../errors.js'
import type { Logger } from '../log.js'
import type { Health, Service, ServiceContext } from '../supervisor/service.js'
import { createLineSplitter, encodeMessage, parseRequest, type ControlResponse } from './control-protocol.js'

/** A control command: takes the request's args, returns something JSON-serialisable. */
export type ControlHandler = (args: Record<string, unknown>) => Promise<unknown> | unknown

/**
 * The station's control socket (a unix socket, mode 0600 so only the station's user and root can
 * drive it, or 0660 for its group). `station status`, `station sim …` and `station tui` connect here.
 */
export class ControlServer implements Service {
  readonly name = 'control'
  #path: string
  #handlers: Map<string, ControlHandler>
  #log: Logger
  #server: Server | undefined
  #sockets = new Set<Socket>()
  #lastError: string | undefined

  #mode: number

  /** `groupAccess`: mode 0660, for a technicians' group (config control.groupAccess). */
  constructor(path: string, handlers: Record<string, ControlHandler>, log: Logger, options: { groupAccess?: boolean } = {}) {
    this.#path = path
    this.#mode = options.groupAccess === true ? 0o660 : 0o600
    this.#handlers = new Map(Object.entries(handlers))
    this.#log = log
  }

  get path(): string {
    return this.#path
  }

  async start(_context: ServiceContext): Promise<void> {
    await this.#removeStaleSocket()
    const server = createServer((socket) => this.#serve(socket))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.#path, () => {
        server.off('error', reject)
        resolve()
      })
    })
    // Set before chmod so that a failing chmod still leaves a server that stop() closes.
    this.#server = server
    await chmod(this.#path, this.#mode)
    this.#log.info({ path: this.#path, mode: this.#mode.toString(8) }, 'control socket listening')
  }

  async stop(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const socket of this.#sockets) socket.destroy()
    this.#sockets.clear()
    // Only a server that listened owns the path: after a refused start the file is another station's.
    if (!server) return
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await rm(this.#path, { force: true })
  }

  health(): Health {
    if (this.#lastError) return { state: 'degraded', lastError: this.#lastError }
    return { state: this.#server ? 'ok' : 'stopped' }
  }

  /** A socket file left by a killed station is removed; one that still answers means a second station. */
  async #removeStaleSocket(): Promise<void> {
    const alive = await isSocketAnswering(this.#path)
    if (alive) {
      throw new StationError('E_CONTROL_REQUEST', `another station is already running on ${this.#path}`, {
        path: this.#path,
      })
    }
    await rm(this.#path, { force: true })
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket)
    socket.setEncoding('utf8')
    const split = createLineSplitter(
      (line) => void this.#answer(socket, line),
      () => socket.destroy(),
    )
    socket.on('data', (chunk: string) => split(chunk))
    socket.on('error', () => socket.destroy())
    socket.on('close', () => this.#sockets.delete(socket))
  }

  async #answer(socket: Socket, line: string): Promise<void> {
    const request = parseRequest(line)
    let response: ControlResponse
    if (typeof request === 'string') {
      response = { id: -1, ok: false, error: { code: 'E_CONTROL_REQUEST', message: request } }
    } else {
      const handler = this.#handlers.get(request.cmd)
      if (!handler) {
        response = {
          id: request.id,
          ok: false,
          error: { code: 'E_CONTROL_REQUEST', message: `unknown command '${request.cmd}'` },
        }
      } else {
        try {
          response = { id: request.id, ok: true, result: (await handler(request.args)) ?? null }
        } catch (error) {
          const code = isStationError(error) ? error.code : 'E_CONTROL_REQUEST'
          if (!isStationError(error)) this.#log.error({ err: error, cmd: request.cmd }, 'control command failed')
          response = { id: request.id, ok: false, error: { code, message: messageOf(error) } }
        }
      }
    }
    if (!socket.destroyed) socket.write(encodeMessage(response))
  }
}

/** True when something accepts connections on the unix socket at `path` (a running station). */
export function isSocketAnswering(path: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = createConnection(path)
    probe.once('connect', () => {
      probe.destroy()
      resolve(true)
    })
    probe.once('error', () => resolve(false))
  })
}
