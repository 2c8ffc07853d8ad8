import { createConnection } from 'node:net'
import { StationError } from '../core/errors.js'
import { createLineSplitter, encodeMessage, parseResponse } from './control-protocol.js'

/**
 * Sends one command to a running station and resolves with its result. Rejects with the station's
 * error code, or E_CONTROL_REQUEST when no station listens on the socket.
 */
export function controlRequest(
  socketPath: string,
  cmd: string,
  args: Record<string, unknown> = {},
  timeoutMs = 10_000,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath)
    socket.setEncoding('utf8')
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new StationError('E_DEVICE_TIMEOUT', `station did not answer '${cmd}' within ${timeoutMs} ms`))
    }, timeoutMs)
    let settled = false
    const finish = (error: Error | null, value?: unknown) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (error) reject(error)
      else resolve(value)
    }
    const split = createLineSplitter(
      (line) => {
        const response = parseResponse(line)
        // id -1: the station refused the connection itself (too many clients, idle) before answering.
        if (!response || (response.id !== 1 && !(response.id === -1 && !response.ok))) return
        if (response.ok) finish(null, response.result)
        else {
          const { code, message, reason } = response.error
          finish(new StationError(code as never, message, reason === undefined ? {} : { reason }))
        }
      },
      () => finish(new StationError('E_CONTROL_REQUEST', 'station sent an over-long line')),
    )
    socket.on('connect', () => socket.write(encodeMessage({ id: 1, cmd, args })))
    socket.on('data', (chunk: string) => split(chunk))
    // A station that stops or drops the connection mid-request would otherwise leave us waiting for the timeout.
    socket.on('close', () =>
      finish(new StationError('E_CONTROL_REQUEST', `station closed the connection before answering '${cmd}'`)),
    )
    socket.on('error', (error: NodeJS.ErrnoException) => {
      finish(new StationError('E_CONTROL_REQUEST', connectProblem(error, socketPath), { path: socketPath }, { cause: error }))
    })
  })
}

/** What a technician reads when the socket cannot be reached: the cause in words, and the path. */
export function connectProblem(error: NodeJS.ErrnoException, socketPath: string): string {
  switch (error.code) {
    case 'ENOENT':
      return `no station is running (no socket at ${socketPath})`
    case 'ECONNREFUSED':
      return `no station is running (${socketPath} is left over from a station that stopped)`
    case 'EACCES':
      return `not allowed to use ${socketPath}: run as the station's user or a member of control.group`
    default:
      return `cannot reach the station at ${socketPath}: ${error.message}`
  }
}
