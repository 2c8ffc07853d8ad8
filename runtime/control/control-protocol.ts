/**
 * The control socket speaks newline-delimited JSON: one request per line from the client, one
 * response per line back, matched by `id`. Pure encode/decode; the server and client do the I/O.
 */
export interface ControlRequest {
  id: number
  cmd: string
  args: Record<string, unknown>
}

/**
 * `reason` names a refusal in one word (docs/security.md, "The control socket"): `malformed`,
 * `too-long`, `unknown-command`, `bad-args`, `too-many-connections`, `idle`, `real-hardware`…
 */
export interface ControlErrorBody {
  code: string
  message: string
  reason?: string
}

/** `id` -1: an answer to no request (a line that was not one, or the connection itself refused). */
export type ControlResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: ControlErrorBody }

/** Longest line the client accepts (a status report); a longer one is refused rather than buffered forever. */
export const MAX_LINE_BYTES = 256 * 1024
/** Longest request line the station reads: requests are small, so a long one is a mistake or an attack. */
export const MAX_REQUEST_BYTES = 64 * 1024

export function encodeMessage(message: ControlRequest | ControlResponse): string {
  return `${JSON.stringify(message)}\n`
}

/** Parses one request line; returns a reason string when it is not a valid request. */
export function parseRequest(line: string): ControlRequest | string {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return 'request is not JSON'
  }
  if (typeof value !== 'object' || value === null) return 'request must be an object'
  const record = value as Record<string, unknown>
  if (typeof record.id !== 'number' || !Number.isInteger(record.id)) return 'request.id must be an integer'
  if (typeof record.cmd !== 'string' || record.cmd.length === 0) return 'request.cmd must be a non-empty string'
  const args = record.args ?? {}
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return 'request.args must be an object'
  return { id: record.id, cmd: record.cmd, args: args as Record<string, unknown> }
}

export function parseResponse(line: string): ControlResponse | null {
  try {
    const value = JSON.parse(line) as ControlResponse
    if (typeof value === 'object' && value !== null && typeof value.id === 'number' && typeof value.ok === 'boolean') {
      return value
    }
  } catch {
    // fall through: not a response
  }
  return null
}

/**
 * Splits a byte stream into lines; keeps the unfinished tail. A line (finished or not) longer than
 * `maxLineBytes` characters calls `onOverflow` once and drops what is buffered: the stream has
 * lost its framing, so the caller closes it.
 */
export function createLineSplitter(
  onLine: (line: string) => void,
  onOverflow: () => void,
  maxLineBytes = MAX_LINE_BYTES,
): (chunk: string) => void {
  let buffer = ''
  return (chunk) => {
    buffer += chunk
    let newline = buffer.indexOf('\n')
    while (newline >= 0) {
      if (newline > maxLineBytes) break
      const line = buffer.slice(0, newline).trim()
      buffer = buffer.slice(newline + 1)
      if (line.length > 0) onLine(line)
      newline = buffer.indexOf('\n')
    }
    if ((newline >= 0 ? newline : buffer.length) > maxLineBytes) {
      buffer = ''
      onOverflow()
    }
  }
}
