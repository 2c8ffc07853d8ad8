import { createRequire } from 'node:module'
import { join } from 'node:path'
import { packageRoot } from './cli/paths.js'

/**
 * READY / STATUS / WATCHDOG / STOPPING for systemd (Type=notify, docs/deployment.md): one
 * datagram per message to $NOTIFY_SOCKET, sent by this process itself through the small
 * sd_notify addon (native/sd-notify). Node's dgram has no unix datagram sockets, and a helper
 * process (systemd-notify, socat) would send with its own pid, which the unit's
 * NotifyAccess=main refuses. The watchdog ping is a timer on the main event loop, so a blocked
 * loop stops the pings and systemd restarts the station. A no-op without NOTIFY_SOCKET; the
 * addon is loaded only then.
 */
export interface Notifier {
  /** READY=1 with a first status line; starts the watchdog pings when systemd asked for them. */
  ready(status: string): void
  /** A new STATUS= line for `systemctl status`; sent only when it changed. */
  status(text: string): void
  /** STOPPING=1 with why; the watchdog keeps being pinged until close. */
  stopping(status: string): void
  close(): void
}

/** Sends one datagram to the socket named `target` ("/path" or "@abstract"); 0 or -errno. */
export type DatagramSend = (target: string, message: string) => number

export interface NotifierDeps {
  /** This process's pid: WATCHDOG_PID names the process systemd watches. */
  pid: number
  /** Told once when a message cannot be sent (no addon, socket gone); never throws. */
  warn: (message: string) => void
  /** Asked at each watchdog tick for the current status line. */
  statusLine?: () => string
  /** Loads the datagram sender; the sd_notify addon unless a test gives another. */
  loadSend?: () => DatagramSend
}

/** How often the status line is refreshed when systemd asked for no watchdog. */
const STATUS_REFRESH_MS = 10_000

/** Half of WatchdogSec, as systemd's docs ask; null when this process is not the one watched. */
export function watchdogIntervalMs(env: Readonly<Record<string, string | undefined>>, pid: number): number | null {
  const usec = Number(env.WATCHDOG_USEC)
  if (!Number.isFinite(usec) || usec <= 0) return null
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) return null
  return Math.max(1, Math.floor(usec / 2000))
}

/** The NOTIFY_SOCKET value when systemd's protocol can use it: an absolute path or an '@' abstract name. */
export function notifySocketTarget(value: string | undefined): { ok: true; target: string } | { ok: false; reason: string } {
  if (value === undefined || value === '') return { ok: false, reason: 'NOTIFY_SOCKET is not set' }
  if (value.startsWith('/') || (value.startsWith('@') && value.length > 1)) return { ok: true, target: value }
  return { ok: false, reason: `NOTIFY_SOCKET ${JSON.stringify(value)} is neither an absolute path nor an @abstract name` }
}

/** Lines of text systemd reads as assignments: a newline in a status would start a new one. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 200)
}

const ADDON_PATH = join('native', 'sd-notify', 'build', 'Release', 'sd_notify.node')

function loadAddon(): DatagramSend {
  const addon = createRequire(import.meta.url)(join(packageRoot(), ADDON_PATH)) as { send: DatagramSend }
  return addon.send
}

const QUIET: Notifier = { ready() {}, status() {}, stopping() {}, close() {} }

export function createNotifier(env: Readonly<Record<string, string | undefined>>, deps: NotifierDeps): Notifier {
  if (env.NOTIFY_SOCKET === undefined) return QUIET
  const target = notifySocketTarget(env.NOTIFY_SOCKET)
  if (!target.ok) {
    deps.warn(`${target.reason}: systemd is not told the station's state`)
    return QUIET
  }
  let send: DatagramSend
  try {
    send = (deps.loadSend ?? loadAddon)()
  } catch (error) {
    deps.warn(`the sd_notify addon is missing (${ADDON_PATH}; npm rebuild builds it): systemd is not told the station's state. ${String(error)}`)
    return QUIET
  }
  let warned = false
  const notify = (message: string) => {
    const result = send(target.target, message)
    if (result < 0 && !warned) {
      warned = true
      deps.warn(`cannot notify systemd through ${target.target} (errno ${-result}); will keep trying`)
    }
  }
  const intervalMs = watchdogIntervalMs(env, deps.pid)
  let lastStatus = ''
  let timer: NodeJS.Timeout | undefined
  const statusPart = (text: string): string => {
    const line = oneLine(text)
    if (line === lastStatus) return ''
    lastStatus = line
    return `STATUS=${line}\n`
  }
  let stopping = false
  const tick = () => {
    // Once stopping, the status says so until the end: only the watchdog goes on.
    const status = deps.statusLine && !stopping ? statusPart(deps.statusLine()) : ''
    const message = `${intervalMs === null ? '' : 'WATCHDOG=1\n'}${status}`
    if (message !== '') notify(message)
  }
  return {
    ready(status) {
      notify(`READY=1\n${statusPart(status)}`)
      if (timer) return
      // The timer holds no reference: the ping must never be what keeps a stopped station alive.
      timer = setInterval(tick, intervalMs ?? STATUS_REFRESH_MS)
      timer.unref()
    },
    status(text) {
      const part = statusPart(text)
      if (part !== '') notify(part)
    },
    stopping(status) {
      stopping = true
      notify(`STOPPING=1\n${statusPart(status)}`)
    },
    close() {
      if (timer) clearInterval(timer)
      timer = undefined
    },
  }
}
