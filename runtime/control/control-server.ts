import { chmod, chown, readFile, rm } from 'node:fs/promises'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { systemClock, type Clock } from '../core/clock.js'
import { isStationError, messageOf, StationError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Health, Service, ServiceContext } from '../supervisor/service.js'
import { ControlConnection, refuseAndClose, type ConnectionStats } from './control-connection.js'
import { encodeMessage, parseRequest, type ControlResponse } from './control-protocol.js'
import { gidOfGroup } from './group-file.js'

/** A control command: takes the request's args, returns something JSON-serialisable. */
export type ControlHandler = (args: Record<string, unknown>) => Promise<unknown> | unknown

/** Who may connect and how much one client may hold (config `control.*`, docs/security.md). */
export interface ControlServerOptions {
  /** Group given the socket, or null for none. */
  group: string | null
  /** Socket mode once the group is set; 0600 without it. */
  mode: number
  idleTimeoutMs: number
  maxConnections: number
  clock: Clock
  /** group(5) file the group is looked up in. */
  groupFile: string
}

const DEFAULT_OPTIONS: ControlServerOptions = {
  group: null,
  mode: 0o600,
  idleTimeoutMs: 60_000,
  maxConnections: 64,
  clock: systemClock,
  groupFile: '/etc/group',
}

/** Without its group the socket is the station user's alone. */
const OWNER_ONLY_MODE = 0o600

/**
 * The station's control socket (a unix socket: the station's user, root and, with `control.group`,
 * the technicians' group may drive it). `station status`, `station sim …` and `station tui` connect
 * here. Every request is checked, and no client can hold more than a bounded share of the station.
 */
export class ControlServer implements Service {
  readonly name = 'control'
  #path: string
  #handlers: Map<string, ControlHandler>
  #log: Logger
  #options: ControlServerOptions
  #server: Server | undefined
  #connections = new Map<Socket, ControlConnection>()
  #refused = new Set<Socket>()
  #lastError: string | undefined
  #groupWarned = false

  constructor(path: string, handlers: Record<string, ControlHandler>, log: Logger, options: Partial<ControlServerOptions> = {}) {
    this.#path = path
    this.#handlers = new Map(Object.entries(handlers))
    this.#log = log
    this.#options = { ...DEFAULT_OPTIONS, ...options }
  }

  get path(): string {
    return this.#path
  }

  /** One entry per open connection: what it holds and whether it is being read. */
  connectionStats(): ConnectionStats[] {
    return [...this.#connections.values()].map((connection) => connection.stats())
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
    const access = await this.#restrictAccess()
    this.#log.info({ path: this.#path, ...access }, 'control socket listening')
  }

  async stop(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const connection of this.#connections.values()) connection.destroy()
    this.#connections.clear()
    for (const socket of this.#refused) socket.destroy()
    this.#refused.clear()
    // Only a server that listened owns the path: after a refused start the file is another station's.
    if (!server) return
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await rm(this.#path, { force: true })
  }

  health(): Health {
    if (this.#lastError) return { state: 'degraded', lastError: this.#lastError }
    return { state: this.#server ? 'ok' : 'stopped' }
  }

  /**
   * chown to control.group, then chmod to control.mode. Without the group (missing, or not one the
   * station's user may give) the socket stays 0600: never wider than the group meant to have it.
   * Between listen and chmod the socket has the umask's mode (systemd's 0022: nobody else may connect).
   */
  async #restrictAccess(): Promise<{ mode: string; group: string | null }> {
    const { group, mode } = this.#options
    let groupSet = false
    if (group !== null) {
      const problem = await this.#giveToGroup(group)
      if (problem === null) groupSet = true
      else if (!this.#groupWarned) {
        this.#groupWarned = true
        this.#log.warn({ group, reason: problem }, 'control socket stays 0600: technicians cannot use it without sudo')
      }
    }
    const applied = groupSet ? mode : OWNER_ONLY_MODE
    await chmod(this.#path, applied)
    return { mode: `0${applied.toString(8)}`, group: groupSet ? group : null }
  }

  /** Returns null once the socket belongs to `group`, else why not. */
  async #giveToGroup(group: string): Promise<string | null> {
    let gid: number | undefined
    try {
      gid = gidOfGroup(await readFile(this.#options.groupFile, 'utf8'), group)
    } catch (error) {
      return `cannot read ${this.#options.groupFile}: ${messageOf(error)}`
    }
    if (gid === undefined) return `group ${group} does not exist`
    try {
      await chown(this.#path, -1, gid)
      return null
    } catch (error) {
      return `cannot give the socket to group ${group}: ${messageOf(error)}`
    }
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
    const { clock, idleTimeoutMs, maxConnections } = this.#options
    if (this.#connections.size >= maxConnections) {
      this.#refused.add(socket)
      socket.on('error', () => socket.destroy())
      socket.on('close', () => this.#refused.delete(socket))
      refuseAndClose(socket, 'too-many-connections', `the station serves at most ${maxConnections} connections at once`, clock)
      return
    }
    const connection = new ControlConnection(socket, (line) => this.#answer(line), { clock, idleTimeoutMs })
    this.#connections.set(socket, connection)
    socket.on('close', () => this.#connections.delete(socket))
  }

  /** The reply line for one request line; never rejects, whatever the line or the handler does. */
  async #answer(line: string): Promise<string> {
    const request = parseRequest(line)
    if (typeof request === 'string') return encodeMessage(failure(-1, request, 'malformed'))
    const handler = this.#handlers.get(request.cmd)
    if (!handler) return encodeMessage(failure(request.id, `unknown command '${request.cmd}'`, 'unknown-command'))
    let response: ControlResponse
    try {
      response = { id: request.id, ok: true, result: (await handler(request.args)) ?? null }
    } catch (error) {
      if (!isStationError(error)) this.#log.error({ err: error, cmd: request.cmd }, 'control command failed')
      const code = isStationError(error) ? error.code : 'E_CONTROL_REQUEST'
      const reason = isStationError(error) ? error.context['reason'] : undefined
      response = {
        id: request.id,
        ok: false,
        error: { code, message: messageOf(error), ...(typeof reason === 'string' ? { reason } : {}) },
      }
    }
    try {
      return encodeMessage(response)
    } catch (error) {
      // A result JSON cannot carry (a BigInt, a cycle) is a bug in the handler, not the client's fault.
      this.#log.error({ err: error, cmd: request.cmd }, 'control reply not serialisable')
      return encodeMessage(failure(request.id, `the reply to '${request.cmd}' could not be encoded`, 'internal'))
    }
  }
}

function failure(id: number, message: string, reason: string): ControlResponse {
  return { id, ok: false, error: { code: 'E_CONTROL_REQUEST', message, reason } }
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
