/**
 * When the terminal of an interactive station goes away (its window closed, an SSH session
 * dropped, `tmux kill-session`), the station must stop as a SIGTERM would: nobody can see or
 * type into it any more, and a station left running headless keeps its data-dir lock, so the next
 * `npm start` is refused. The kernel says so in three ways, and which comes first varies: SIGHUP,
 * end of file on stdin, or EIO reading stdin or writing stdout. A headless station keeps SIGHUP as
 * "reload the flows" (docs/flows.md).
 */

/** The streams and signal source of the process; main.ts passes `process` and its stdio. */
export interface TerminalStreams {
  stdin: NodeJS.EventEmitter
  stdout: NodeJS.EventEmitter
  signals: { on(signal: 'SIGHUP', listener: () => void): unknown }
}

/**
 * Calls `onGone` once, with what was seen ('SIGHUP', 'stdin-end', 'stdin-error EIO', 'stdout-error
 * EIO'), when the terminal goes away. Stream errors are taken here: a dead terminal's EIO is the
 * news, not a crash (without a listener Node would throw it), and later ones are swallowed.
 */
export function onTerminalGone(streams: TerminalStreams, onGone: (why: string) => void): void {
  let gone = false
  const report = (why: string) => {
    if (gone) return
    gone = true
    onGone(why)
  }
  const codeOf = (error: unknown) => String((error as { code?: unknown }).code ?? (error as Error).message)
  streams.signals.on('SIGHUP', () => report('SIGHUP'))
  streams.stdin.on('end', () => report('stdin-end'))
  streams.stdin.on('close', () => report('stdin-closed'))
  streams.stdin.on('error', (error: unknown) => report(`stdin-error ${codeOf(error)}`))
  streams.stdout.on('error', (error: unknown) => report(`stdout-error ${codeOf(error)}`))
}
