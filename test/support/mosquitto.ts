/**
 * Test helpers for real-broker tests: a private mosquitto per test on a free loopback port (never
 * the machine's broker on 1883), a subscriber that collects what arrives, and a TCP relay that can
 * hold or cut a client's connection the way a dying network does.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createServer, connect as connectTcp, type Socket } from 'node:net'
import { join } from 'node:path'
import { connectAsync, type IClientOptions, type IPublishPacket } from 'mqtt'
import { systemClock } from '../../runtime/core/clock.js'
import { createSilentLogger } from '../../runtime/log.js'
import {
  findMosquitto,
  freeLoopbackPort,
  spawnPrivateMosquitto,
  type PrivateMosquitto,
} from '../../runtime/mqtt/broker-discovery.js'
import type { ClientTls, TestPki } from './pki.js'

/** The part of a tap Test these helpers use. */
export interface Teardown {
  teardown(fn: () => unknown): void
}

export interface TestBroker {
  url: string
  port: number
  /** Stops the broker (SIGTERM, SIGKILL after 2 s); idempotent. */
  stop(): Promise<void>
  /** Starts it again on the same port, e.g. after stop() to simulate a broker restart. */
  start(): Promise<void>
}

/** Debian installs mosquitto in /usr/sbin; these dirs cover the usual installs without reading env. */
const SEARCH_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/opt/homebrew/sbin'

export interface MosquittoOptions {
  /**
   * A TLS-only listener (`mqtts://`) that requires a client certificate signed by `pki`'s CA, takes
   * the certificate's CN as the username and applies the per-station ACL: a client reads and writes
   * only `cs/v1/<its CN>/#`; the CN `central` reads and writes all of `cs/v1/#`.
   */
  tls?: { pki: TestPki; dir: string }
}

/** A private mosquitto for one test; stopped in teardown. Rejects when mosquitto is not installed. */
export async function startMosquitto(t: Teardown, options: MosquittoOptions = {}): Promise<TestBroker> {
  const binary = await findMosquitto({ searchPath: SEARCH_PATH })
  if (binary === null) throw new Error('mosquitto is not installed (apt-get install -y mosquitto)')
  const port = await freeLoopbackPort()
  let current: PrivateMosquitto | undefined
  const tls = options.tls
  const broker: TestBroker = {
    url: `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    port,
    async start() {
      if (current) return
      current = tls
        ? await spawnTlsMosquitto(binary, port, tls.pki, tls.dir)
        : await spawnPrivateMosquitto({ binary, port, clock: systemClock, log: createSilentLogger() })
    },
    async stop() {
      const running = current
      current = undefined
      await running?.stop()
    },
  }
  t.teardown(() => broker.stop())
  await broker.start()
  return broker
}

export interface CollectedMessage {
  topic: string
  /** Parsed JSON, or the UTF-8 text when the payload is not JSON. */
  payload: any
  retain: boolean
  properties: IPublishPacket['properties']
}

export interface Collector {
  /** Everything received so far, in arrival order. */
  messages: CollectedMessage[]
  /** Resolves with the first message (already received or future) matching `predicate`. */
  waitFor(predicate: (message: CollectedMessage) => boolean, timeoutMs?: number): Promise<CollectedMessage>
  close(): Promise<void>
}

/** MQTT.js options presenting `tls` as the client certificate (for a broker from startMosquitto with tls). */
export function tlsClientOptions(tls: ClientTls): IClientOptions {
  return { ca: readFileSync(tls.caFile), cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }
}

/** An MQTT 5 client subscribed to `topic` at QoS 1 that records every message; `tls` for a TLS broker. */
export async function subscribeCollect(url: string, topic: string, tls?: ClientTls): Promise<Collector> {
  const client = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, ...(tls ? tlsClientOptions(tls) : {}) })
  const messages: CollectedMessage[] = []
  const waiters = new Set<(message: CollectedMessage) => void>()
  client.on('message', (messageTopic, payload, packet) => {
    const text = payload.toString('utf8')
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {
      // not JSON; keep the text
    }
    const message: CollectedMessage = { topic: messageTopic, payload: parsed, retain: packet.retain, properties: packet.properties }
    messages.push(message)
    for (const waiter of waiters) waiter(message)
  })
  await client.subscribeAsync(topic, { qos: 1 })
  return {
    messages,
    waitFor(predicate, timeoutMs = 5000) {
      const seen = messages.find(predicate)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new Error(`no matching message on ${topic} within ${timeoutMs} ms (got ${messages.length})`))
        }, timeoutMs)
        const waiter = (message: CollectedMessage) => {
          if (!predicate(message)) return
          clearTimeout(timer)
          waiters.delete(waiter)
          resolve(message)
        }
        waiters.add(waiter)
      })
    },
    close: () => client.endAsync(),
  }
}

export interface TcpRelay {
  /** Point the client under test here instead of at the broker. */
  url: string
  /** Stops forwarding client-to-broker bytes (buffered, not lost) until release(). */
  hold(): void
  release(): void
  /** Destroys every relayed connection on both sides, as a dead network does: no DISCONNECT. */
  cut(): void
  close(): Promise<void>
}

/** A loopback TCP relay to `targetPort`; closed in teardown. */
export async function startTcpRelay(t: Teardown, targetPort: number): Promise<TcpRelay> {
  const sockets = new Set<Socket>()
  const feeds = new Set<() => void>()
  let held = false
  const server = createServer((downstream) => {
    const upstream = connectTcp({ host: '127.0.0.1', port: targetPort })
    const pending: Buffer[] = []
    const feed = () => {
      while (!held && pending.length > 0) upstream.write(pending.shift() as Buffer)
    }
    feeds.add(feed)
    for (const socket of [downstream, upstream]) {
      sockets.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => {
        sockets.delete(socket)
        feeds.delete(feed)
        downstream.destroy()
        upstream.destroy()
      })
    }
    downstream.on('data', (chunk: Buffer) => {
      pending.push(chunk)
      feed()
    })
    upstream.on('data', (chunk: Buffer) => downstream.write(chunk))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address !== 'object') throw new Error('relay has no port')
  const relay: TcpRelay = {
    url: `mqtt://127.0.0.1:${address.port}`,
    hold() {
      held = true
    },
    release() {
      held = false
      for (const feed of feeds) feed()
    },
    cut() {
      for (const socket of sockets) socket.destroy()
    },
    close() {
      relay.cut()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  t.teardown(() => relay.close())
  return relay
}

/**
 * mosquitto with one TLS listener, client certificates required, CN as username and the ACL of
 * docs/mqtt.md. `user root`: started as root, mosquitto would otherwise drop to user `mosquitto`
 * before reading the (0600) key files in the test folder. Ready once it logged its running line and
 * a TLS client (`central`) got a CONNACK, so a SIGTERM is never sent before its handlers exist.
 */
async function spawnTlsMosquitto(binary: string, port: number, pki: TestPki, dir: string): Promise<PrivateMosquitto> {
  const aclPath = join(dir, `acl-${port}`)
  const configPath = join(dir, `mosquitto-${port}.conf`)
  await writeFile(aclPath, ['user central', 'topic readwrite cs/v1/#', '', 'pattern readwrite cs/v1/%u/#', ''].join('\n'))
  await writeFile(
    configPath,
    [
      'user root',
      'per_listener_settings false',
      'allow_anonymous false',
      'set_tcp_nodelay true',
      'persistence false',
      'log_dest stderr',
      'log_type all',
      `acl_file ${aclPath}`,
      `listener ${port} 127.0.0.1`,
      `cafile ${pki.caFile}`,
      `certfile ${pki.server.certFile}`,
      `keyfile ${pki.server.keyFile}`,
      'require_certificate true',
      'use_identity_as_username true',
      '',
    ].join('\n'),
  )
  const child = spawn(binary, ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const tail: string[] = []
  const running = new Promise<void>((resolve, reject) => {
    child.on('error', reject)
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        tail.push(line)
        if (tail.length > 20) tail.shift()
        if (/mosquitto version \S+ running/.test(line)) resolve()
      }
    })
    void exited.then(() => reject(new Error(`TLS mosquitto exited: ${tail.join(' | ')}`)))
  })
  const stop = async () => {
    await terminate(child, exited)
  }
  try {
    await withTimeout(running, 5000, () => `TLS mosquitto not running in 5 s: ${tail.join(' | ')}`)
    const central = pki.clients.central
    if (!central) throw new Error('pki has no central certificate')
    const probe = await connectAsync(`mqtts://127.0.0.1:${port}`, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...tlsClientOptions(central),
    })
    await probe.endAsync()
  } catch (error) {
    await stop()
    throw error
  }
  return { url: `mqtts://127.0.0.1:${port}`, port, stop }
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const killer = setTimeout(() => child.kill('SIGKILL'), 2000)
  await exited
  clearTimeout(killer)
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: () => string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message())), timeoutMs)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
