import { execFile } from 'node:child_process'

/**
 * READY / STOPPING / WATCHDOG for systemd (Type=notify), through the `systemd-notify` binary so no
 * native addon is needed (Node's dgram has no unix datagram sockets). A no-op without
 * NOTIFY_SOCKET. The watchdog ping runs on the event loop, so a stuck loop stops the pings and
 * systemd restarts the station.
 */
export interface Notifier {
  ready(status: string): void
  stopping(): void
  close(): void
}

export function createNotifier(env: Readonly<Record<string, string | undefined>>): Notifier {
  if (!env.NOTIFY_SOCKET) return { ready() {}, stopping() {}, close() {} }
  const send = (...args: string[]) => execFile('systemd-notify', args, () => undefined)
  let watchdog: NodeJS.Timeout | undefined
  const watchdogUs = Number(env.WATCHDOG_USEC)
  return {
    ready(status) {
      send('--ready', `--status=${status}`)
      if (Number.isFinite(watchdogUs) && watchdogUs > 0) {
        watchdog = setInterval(() => send('WATCHDOG=1'), watchdogUs / 2000)
        watchdog.unref()
      }
    },
    stopping() {
      send('STOPPING=1')
    },
    close() {
      if (watchdog) clearInterval(watchdog)
    },
  }
}
