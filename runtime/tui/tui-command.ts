/**
 * `station tui [--data-dir D] [--socket PATH] [--config FILE]`: the technician's live view, or the
 * same status once as plain text when stdin or stdout is not a terminal (docs/operations.md).
 * A client command: it reaches the station through the control socket only, and a plain .ts file
 * so that the print for a pipe loads no react (docs/startup.md).
 */
import { controlRequest } from '../control/control-client.js'
import { messageOf } from '../core/errors.js'
import type { Request } from './tui-actions.js'
import { plainText } from './tui-screen.js'
import type { TuiSnapshot } from './tui-snapshot.js'

export interface TuiIo {
  out: (text: string) => void
  err: (text: string) => void
  stdin: NodeJS.ReadStream
  stdout: NodeJS.WriteStream
}

/** A poll that takes longer than this shows the station as not answering. */
const REQUEST_TIMEOUT_MS = 5000

/** Exit codes: 0 done, 1 no station answered on the socket. */
export async function tuiCommand(socketPath: string, io: TuiIo): Promise<number> {
  const request: Request = (cmd, args = {}) => controlRequest(socketPath, cmd, args, REQUEST_TIMEOUT_MS)
  let first: TuiSnapshot
  try {
    first = (await request('tui.snapshot')) as TuiSnapshot
  } catch (error) {
    io.err(`station tui: ${messageOf(error)}`)
    return 1
  }
  if (io.stdout.isTTY !== true || io.stdin.isTTY !== true) {
    io.out(plainText(first, io.stdout.columns || 80))
    return 0
  }
  // Loaded only for the live view: the plain print needs neither react nor ink.
  const { runTuiApp } = await import('./tui-app.js')
  await runTuiApp({ request, initial: first }, io)
  return 0
}
