/**
 * Picks a broker when the config says `url: auto` (laptop and sim use): a broker already answering
 * on 127.0.0.1:1883, else a private mosquitto started here, else none (the station runs offline and
 * queues submissions). The only file in runtime/ that spawns a process.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { constants } from 'node:fs'
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, connect as connectTcp } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { connectAsync } from 'mqtt'
import type { Clock } from '../core/clock.js'
import { StationError, messageOf } from '../core/errors.js'
import type { Logger } from '../core/logger.js'

/** The standard unencrypted MQTT port (IANA registration "mqtt", 1883/tcp). */
const LOCAL_BROKER_PORT = 1883
const LOCAL_BROKER_URL = `mqtt://127.0.0.1:${LOCAL_BROKER_PORT}`
/** A broker on the loopback answers within a millisecond; longer means nothing listens. */
const LOCAL_PROBE_TIMEOUT_MS = 300
/** Where Debian and source builds install mosquitto; a non-root PATH often lacks sbin. */
const SBIN_CANDIDATES = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto']
/** docs/toolchain.md 3: the readiness line mosquitto 2.x prints at level "information". */
const RUNNING_LINE = /mosquitto version \S+ running/
/** Grace between SIGTERM and SIGKILL when stopping mosquitto (docs/toolchain.md 3). */
const KILL_AFTER_MS = 2000

/** A mosquitto process started by us, listening on 127.0.0.1 only. */
export interface PrivateMosquitto {
  url: string
  port: number
  /** SIGTERM, waits for exit (SIGKILL after 2 s), removes the temp config. Idempotent. */
  stop(): Promise<void>
}

/** `url: null` means run offline. `stop` is present when we started the broker. */
export type ResolvedBroker = { url: string | null; stop?: () => Promise<void> }

export interface ResolveBrokerOptions {
  /** config.mqtt.url; anything but 'auto' is returned as is. */
  configured: string
  /** True when a TCP connection to host:port opens within timeoutMs (see probeTcp). */
  probe: (host: string, port: number, timeoutMs: number) => Promise<boolean>
  /** Starts a private broker, or resolves null when no mosquitto binary exists (see createMosquittoSpawner). */
  spawnMosquitto: () => Promise<PrivateMosquitto | null>
  log: Logger
}

export async function resolveBrokerUrl(options: ResolveBrokerOptions): Promise<ResolvedBroker> {
  const { configured, probe, spawnMosquitto } = options
  if (configured !== 'auto') return { url: configured }
  const log = options.log.child({ component: 'runtime.mqtt.discovery' })
  if (await probe('127.0.0.1', LOCAL_BROKER_PORT, LOCAL_PROBE_TIMEOUT_MS)) {
    log.info({ broker: LOCAL_BROKER_URL }, 'using the broker on the local standard port')
    return { url: LOCAL_BROKER_URL }
  }
  try {
    const broker = await spawnMosquitto()
    if (broker) {
      log.info({ broker: broker.url }, 'started a private mosquitto')
      return { url: broker.url, stop: () => broker.stop() }
    }
    log.warn('no broker on 127.0.0.1:1883 and no mosquitto installed; running offline, submissions stay queued')
  } catch (error) {
    log.warn({ err: error }, 'private mosquitto failed to start; running offline, submissions stay queued')
  }
  return { url: null }
}

/** Resolves true when a TCP connection to host:port opens within timeoutMs; never rejects. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host, port })
    const finish = (open: boolean) => {
      socket.destroy()
      resolve(open)
    }
    socket.setTimeout(timeoutMs, () => finish(false))
    socket.once('connect', () => finish(true))
    socket.once('error', () => finish(false))
  })
}

export interface FindMosquittoOptions {
  /** Full path from the environment (e.g. STATION_MOSQUITTO), tried first; main.ts reads it. */
  override?: string
  /** The PATH value to search, passed in by main.ts. */
  searchPath?: string
}

/** First executable among: override, `<dir>/mosquitto` for each PATH dir, then the sbin folders. */
export async function findMosquitto(options: FindMosquittoOptions): Promise<string | null> {
  const pathDirs = (options.searchPath ?? '').split(delimiter).filter((dir) => dir.length > 0)
  const candidates = [
    ...(options.override === undefined ? [] : [options.override]),
    ...pathDirs.map((dir) => join(dir, 'mosquitto')),
    ...SBIN_CANDIDATES,
  ]
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // not there or not executable; try the next one
    }
  }
  return null
}

export interface MosquittoSpawnerOptions extends FindMosquittoOptions {
  clock: Clock
  log: Logger
}

/** The default `spawnMosquitto` for resolveBrokerUrl: find the binary, then start it on a free port. */
export function createMosquittoSpawner(options: MosquittoSpawnerOptions): () => Promise<PrivateMosquitto | null> {
  return async () => {
    const binary = await findMosquitto(options)
    if (binary === null) return null
    return spawnPrivateMosquitto({ binary, clock: options.clock, log: options.log })
  }
}

export interface SpawnMosquittoOptions {
  binary: string
  /** Listen here on 127.0.0.1; default a free port. Give the old port to restart "the same" broker. */
  port?: number
  /** Deadline for the running line plus one MQTT round trip; default 5000. */
  readyTimeoutMs?: number
  clock: Clock
  log: Logger
}

/**
 * Starts mosquitto with a temp config (listener on 127.0.0.1 only, anonymous, no persistence, log to
 * stderr) and resolves once it has printed its running line and answered one MQTT CONNECT: a SIGTERM
 * sent earlier can be lost, leaving a broker nobody can stop (docs/toolchain.md 3). Rejects with
 * E_MQTT_UNAVAILABLE (and cleans up) when it exits or is not ready in time.
 */
export async function spawnPrivateMosquitto(options: SpawnMosquittoOptions): Promise<PrivateMosquitto> {
  const { binary, clock } = options
  const log = options.log.child({ component: 'runtime.mqtt.mosquitto' })
  const port = options.port ?? (await freeLoopbackPort())
  const url = `mqtt://127.0.0.1:${port}`
  const readyTimeoutMs = options.readyTimeoutMs ?? 5000
  const dir = await mkdtemp(join(tmpdir(), 'cs-mosquitto-'))
  const configPath = join(dir, 'mosquitto.conf')
  await writeFile(
    configPath,
    [
      '# private broker for citizen-station; deleted when it stops',
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      // Small QoS 1 messages and their acks must not wait for Nagle + delayed ACK (~40 ms each).
      'set_tcp_nodelay true',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      // the running line is logged at "information"
      'log_type information',
      '',
    ].join('\n'),
  )

  const child = spawn(binary, ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stderrTail: string[] = []
  let sawRunning = false
  const runningSeen = new Promise<void>((resolve) => {
    let partial = ''
    // Always drain stderr: a full pipe would block mosquitto on its next log line.
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        stderrTail.push(line)
        if (stderrTail.length > 10) stderrTail.shift()
        log.debug({ line }, 'mosquitto')
        if (!sawRunning && RUNNING_LINE.test(line)) {
          sawRunning = true
          resolve()
        }
      }
    })
  })

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await terminate(child, exited, clock)
      await rm(dir, { recursive: true, force: true })
    })()
    return stopping
  }

  const failure = (why: string) =>
    new StationError('E_MQTT_UNAVAILABLE', `private mosquitto ${why}`, {
      binary,
      port,
      stderrTail: stderrTail.join(' | '),
    })
  try {
    await raceReady(
      (async () => {
        await runningSeen
        const probeClient = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: readyTimeoutMs })
        await probeClient.endAsync()
      })(),
      exited.then(() => {
        throw failure('exited during start')
      }),
      new Promise<never>((_, reject) => {
        // `on`, not `once`: a later 'error' (a failed kill) with no listener would be thrown.
        child.on('error', (error) => reject(failure(`could not be spawned: ${messageOf(error)}`)))
      }),
      clock,
      readyTimeoutMs,
      () => failure(`was not ready within ${readyTimeoutMs} ms`),
    )
  } catch (error) {
    await stop()
    throw error
  }
  log.debug({ url, pid: child.pid }, 'private mosquitto ready')
  return { url, port, stop }
}

function raceReady(
  ready: Promise<void>,
  exited: Promise<never>,
  spawnError: Promise<never>,
  clock: Clock,
  timeoutMs: number,
  timeoutError: () => StationError,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(timeoutError()), timeoutMs)
    const settle = (action: () => void) => {
      clock.clearTimeout(timer)
      action()
    }
    for (const loser of [exited, spawnError]) loser.catch((error: unknown) => settle(() => reject(error)))
    ready.then(
      () => settle(resolve),
      (error: unknown) => settle(() => reject(error)),
    )
  })
}

async function terminate(child: ChildProcess, exited: Promise<void>, clock: Clock): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  child.kill('SIGTERM')
  const killTimer = clock.setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS)
  await exited
  clock.clearTimeout(killTimer)
}

/** A port the kernel just handed out on 127.0.0.1; free unless someone grabs it in between. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port)
        else reject(new Error('no port assigned'))
      })
    })
  })
}
