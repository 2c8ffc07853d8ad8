import { createConnection } from 'node:net'
import { StationError } from '../errors.js'
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
        if (!response || response.id !== 1) return
        if (response.ok) finish(null, response.result)
        else finish(new StationError(response.error.code as never, response.error.message))
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
      const reason =
        error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
          ? `no station is running with this data dir (no socket at ${socketPath})`
          : error.message
      finish(new StationError('E_CONTROL_REQUEST', reason, { path: socketPath }, { cause: error }))
    })
  })
}
