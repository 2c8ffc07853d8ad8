/**
 * The control socket speaks newline-delimited JSON: one request per line from the client, one
 * response per line back, matched by `id`. Pure encode/decode; the server and client do the I/O.
 */
export interface ControlRequest {
  id: number
  cmd: string
  args: Record<string, unknown>
}

export type ControlResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: string; message: string } }

/** Longest line either side accepts; a longer one is refused rather than buffered forever. */
export const MAX_LINE_BYTES = 256 * 1024

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

/** Splits a byte stream into lines; keeps the unfinished tail. Rejects runaway lines. */
export function createLineSplitter(onLine: (line: string) => void, onOverflow: () => void): (chunk: string) => void {
  let buffer = ''
  return (chunk) => {
    buffer += chunk
    let newline = buffer.indexOf('\n')
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim()
      buffer = buffer.slice(newline + 1)
      if (line.length > 0) onLine(line)
      newline = buffer.indexOf('\n')
    }
    if (buffer.length > MAX_LINE_BYTES) {
      buffer = ''
      onOverflow()
    }
  }
}
