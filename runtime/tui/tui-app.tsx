/**
 * `station tui`: the field technician's live view of one station over its control socket, and the
 * keys that test its devices (docs/operations.md "Technician"). The lines come from tui-screen.ts;
 * this component polls, follows the terminal's size, and turns keys into control commands.
 */
import { Box, render, Text, useApp, useInput, useStdin, useStdout } from 'ink'
import { useCallback, useEffect, useRef, useState } from 'react'
import { ACTIONS, deviceChoice, restartDevice, restartQuestion, type Request } from './tui-actions.js'
import { tuiScreen, type Tone } from './tui-screen.js'
import type { TuiSnapshot } from './tui-snapshot.js'

export interface TuiAppProps {
  request: Request
  /** The snapshot read before rendering, so the first frame is never empty. */
  initial?: TuiSnapshot
  onQuit?: () => void
  pollMs?: number
  /** Terminal size; default the stdout's, followed on resize. */
  width?: number
  height?: number
}

type Mode = { kind: 'idle' } | { kind: 'confirm'; question: string; run: () => Promise<string> } | { kind: 'choose'; names: string[] }

/** ED 2 and cursor home. */
const CLEAR_SCREEN = '\x1b[2J\x1b[H'

const COLOR: Record<Tone, string> = { bad: 'red', warn: 'yellow', title: 'cyan', prompt: 'green' }

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export function TuiApp({ request, initial, onQuit, pollMs = 1000, width, height }: TuiAppProps) {
  const { exit } = useApp()
  const { isRawModeSupported } = useStdin()
  const { stdout } = useStdout()
  const [snapshot, setSnapshotState] = useState<TuiSnapshot | null>(initial ?? null)
  const [pollError, setPollError] = useState<string | null>(null)
  const [message, setMessage] = useState<string | null>(null)
  const [mode, setModeState] = useState<Mode>({ kind: 'idle' })
  // The key handler reads these, not the render's copies: a key typed right after another (or
  // after a poll) must see the state the previous key left, before React re-subscribes the handler.
  const modeRef = useRef<Mode>(mode)
  const snapshotRef = useRef<TuiSnapshot | null>(snapshot)
  const setMode = (next: Mode) => {
    modeRef.current = next
    setModeState(next)
  }
  const setSnapshot = useCallback((next: TuiSnapshot) => {
    snapshotRef.current = next
    setSnapshotState(next)
  }, [])
  const [size, setSize] = useState(() => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 }))
  const polling = useRef(false)

  const poll = useCallback(async () => {
    if (polling.current) return
    polling.current = true
    try {
      setSnapshot((await request('tui.snapshot')) as TuiSnapshot)
      setPollError(null)
    } catch (error) {
      setPollError(errorText(error))
    } finally {
      polling.current = false
    }
  }, [request, setSnapshot])

  useEffect(() => {
    const timer = setInterval(() => void poll(), pollMs)
    if (!initial) void poll()
    return () => clearInterval(timer)
  }, [poll, pollMs, initial])

  useEffect(() => {
    const onResize = () => {
      // The terminal reflows the old frame into rows ink does not know (docs/architecture.md,
      // "Virtual station"): start from a clean screen and draw at the new size.
      stdout.write(CLEAR_SCREEN)
      setSize({ columns: stdout.columns || 80, rows: stdout.rows || 24 })
    }
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout])

  const perform = (run: () => Promise<string>) => {
    setMode({ kind: 'idle' })
    setMessage('…')
    run().then(
      (text) => setMessage(text),
      (error: unknown) => setMessage(`failed: ${errorText(error)}`),
    ).finally(() => void poll())
  }

  useInput(
    (input, key) => {
      const mode = modeRef.current
      const snapshot = snapshotRef.current
      if (key.ctrl && input === 'c') {
        exit()
        onQuit?.()
        return
      }
      if (mode.kind === 'confirm') {
        if (input === 'y' || input === 'Y') perform(mode.run)
        else if (input === 'n' || input === 'N' || key.escape) {
          setMode({ kind: 'idle' })
          setMessage('cancelled')
        }
        return
      }
      if (mode.kind === 'choose') {
        const name = mode.names[Number(input) - 1]
        if (key.escape) {
          setMode({ kind: 'idle' })
          setMessage('cancelled')
        } else if (name && snapshot) {
          setMode({ kind: 'confirm', question: restartQuestion(name, snapshot), run: () => restartDevice(request, name) })
        }
        return
      }
      if (input === 'q') {
        exit()
        onQuit?.()
        return
      }
      if (!snapshot) return
      if (key.escape) {
        if (snapshot.test) perform(async () => (await request('test.stop'), 'test ended'))
        else setMessage(null)
        return
      }
      if (input === 'x') {
        const names = snapshot.devices.map((device) => device.name).slice(0, 9)
        setMode({ kind: 'choose', names })
        return
      }
      const action = ACTIONS.find((candidate) => candidate.key === input)
      if (!action) return
      const current = snapshot
      const run = () => action.run(request, current)
      const question = action.question(current)
      if (question === null) perform(run)
      else setMode({ kind: 'confirm', question, run })
    },
    { isActive: isRawModeSupported === true },
  )

  const shown = mode.kind === 'confirm' ? mode.question : mode.kind === 'choose' ? deviceChoice(mode.names) : message
  const lines = tuiScreen(snapshot, { message: shown, error: pollError }, width ?? size.columns, height ?? size.rows)
  return (
    <Box flexDirection="column">
      {lines.map((line, index) => (
        <Text key={index} wrap="truncate" {...(line.tone === undefined ? {} : { color: COLOR[line.tone] })}>
          {line.text.length === 0 ? ' ' : line.text}
        </Text>
      ))}
    </Box>
  )
}

/** Renders the live view on the terminal until the technician quits (q or Ctrl-C). */
export async function runTuiApp(props: TuiAppProps, io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream }): Promise<void> {
  const instance = render(<TuiApp {...props} />, { stdin: io.stdin, stdout: io.stdout, exitOnCtrlC: false })
  // A dropped SSH session or a closed window: nobody reads the screen any more, so the view ends
  // (EIO on a dead terminal is the news, not a crash).
  const gone = () => instance.unmount()
  io.stdin.once('end', gone)
  io.stdout.once('error', gone)
  await instance.waitUntilExit()
}
