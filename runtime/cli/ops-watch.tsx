/**
 * `station ops watch`: the fleet, trouble first, one screen page at a time (docs/fleet.md).
 * The lines come from fleet-table.ts; this component only refreshes, pages and quits.
 */
import { Box, Text, useApp, useInput, useStdin, useStdout } from 'ink'
import { useEffect, useState } from 'react'
import type { FleetRow, Trouble } from '../ops/fleet-model.js'
import { fleetScreen } from './fleet-table.js'

/** What the view reads on every refresh. */
export interface FleetView {
  rows: FleetRow[]
  connected: boolean
}

export interface OpsWatchProps {
  /** Called on every refresh (ages move even when nothing arrives). */
  view: () => FleetView
  /** Broker label (no credentials) for the summary line. */
  broker: string
  onQuit: () => void
  refreshMs?: number
  /** Terminal size; default the stdout's, followed on resize. */
  width?: number
  height?: number
}

const COLOR: Partial<Record<Trouble, string>> = { offline: 'red', faults: 'yellow', maintenance: 'cyan', outbox: 'magenta', lost: 'magenta' }

export function OpsWatch({ view, broker, onQuit, refreshMs = 1000, width, height }: OpsWatchProps) {
  const { exit } = useApp()
  const { isRawModeSupported } = useStdin()
  const { stdout } = useStdout()
  const [snapshot, setSnapshot] = useState<FleetView>(() => view())
  const [page, setPage] = useState(0)
  const [size, setSize] = useState(() => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 }))

  useEffect(() => {
    const timer = setInterval(() => setSnapshot(view()), refreshMs)
    return () => clearInterval(timer)
  }, [view, refreshMs])

  useEffect(() => {
    const onResize = () => setSize({ columns: stdout.columns || 80, rows: stdout.rows || 24 })
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout])

  const screen = fleetScreen({
    rows: snapshot.rows,
    width: width ?? size.columns,
    height: height ?? size.rows,
    page,
    broker,
    connected: snapshot.connected,
  })

  // Without a TTY (piped stdin) raw mode is impossible and useInput would throw; the view still shows.
  useInput(
    (input, key) => {
      if (input === 'q' || (key.ctrl && input === 'c')) {
        exit()
        onQuit()
        return
      }
      if (input === 'n' || input === ' ' || key.pageDown || key.rightArrow || key.downArrow) {
        setPage(Math.min(screen.page + 1, screen.pages - 1))
      } else if (input === 'p' || key.pageUp || key.leftArrow || key.upArrow) {
        setPage(Math.max(screen.page - 1, 0))
      } else if (input === 'g' || key.home) {
        setPage(0)
      }
    },
    { isActive: isRawModeSupported === true },
  )

  return (
    <Box flexDirection="column">
      {screen.lines.map((text, index) => {
        const isRow = index >= 2 && index < screen.lines.length - 1
        const trouble = isRow ? screen.shown[index - 2]?.trouble : undefined
        const color = trouble === undefined ? undefined : COLOR[trouble]
        return (
          <Text key={index} wrap="truncate" bold={index === 1} {...(color === undefined ? {} : { color })}>
            {text}
          </Text>
        )
      })}
    </Box>
  )
}
