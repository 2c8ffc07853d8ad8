import { spawn } from 'node:child_process'
import { existsSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createConnection, createServer, type Server } from 'node:net'
import t from 'tap'
import { controlRequest } from '../../../runtime/control/control-client.js'
import { ControlServer, type ControlHandler } from '../../../runtime/control/control-server.js'
import { controlSocketPath } from '../../../runtime/control/socket-path.js'
import { StationError } from '../../../runtime/errors.js'
import { createLogger, type Logger } from '../../../runtime/log.js'
import type { ServiceContext } from '../../../runtime/supervisor/service.js'

interface Teardown {
  teardown(fn: () => unknown): void
}

function captureLog(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const log = createLogger({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) })
  return { log, lines }
}

function context(): ServiceContext {
  return { signal: new AbortController().signal, fail: () => undefined }
}

const HANDLERS: Record<string, ControlHandler> = {
  echo: (args) => ({ youSaid: args }),
  nothing: () => undefined,
  slow: async () => {
    await new Promise((resolve) => setTimeout(resolve, 20))
    return 'done'
  },
  absent: () => {
    throw new StationError('E_PRINTER_NOT_READY', 'paper out', { device: 'printer' })
  },
  broken: () => {
    throw new TypeError('handler bug')
  },
}

/** A server on a socket in a fresh test dir (or the short temp fallback when that path is too long). */
async function startServer(t: Teardown & { testdir(): string }, handlers = HANDLERS) {
  const dataDir = t.testdir()
  const path = controlSocketPath(dataDir)
  const { log, lines } = captureLog()
  const server = new ControlServer(path, handlers, log)
  t.teardown(() => server.stop())
  await server.start(context())
  return { server, path, lines, dataDir }
}

/** Writes raw lines on one connection and collects `count` response lines. */
function rawExchange(path: string, text: string, count: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path)
    let buffer = ''
    socket.setEncoding('utf8')
    socket.on('connect', () => socket.write(text))
    socket.on('data', (chunk: string) => {
      buffer += chunk
      const lines = buffer.split('\n').filter((line) => line !== '')
      if (lines.length >= count) {
        socket.destroy()
        resolve(lines.map((line) => JSON.parse(line)))
      }
    })
    socket.on('error', reject)
  })
}

t.test('answers a request with the handler’s result', async (t) => {
  const { server, path } = await startServer(t)
  t.strictSame(await controlRequest(path, 'echo', { key: 'ok' }), { youSaid: { key: 'ok' } })
  t.equal(await controlRequest(path, 'nothing'), null, 'undefined becomes null')
  t.equal(server.path, path)
  t.strictSame(server.health(), { state: 'ok' })
})

t.test('an unknown command is answered with E_CONTROL_REQUEST', async (t) => {
  const { path } = await startServer(t)
  await t.rejects(controlRequest(path, 'sim.press', { key: '1' }), {
    name: 'StationError',
    code: 'E_CONTROL_REQUEST',
    message: "unknown command 'sim.press'",
  })
})

t.test('a handler’s StationError keeps its code and message; other errors are logged', async (t) => {
  const { path, lines } = await startServer(t)
  await t.rejects(controlRequest(path, 'absent'), { code: 'E_PRINTER_NOT_READY', message: 'paper out' })
  t.strictSame(lines.filter((line) => line['msg'] === 'control command failed'), [], 'expected failures are not logged')
  await t.rejects(controlRequest(path, 'broken'), { code: 'E_CONTROL_REQUEST', message: 'handler bug' })
  t.match(lines.find((line) => line['msg'] === 'control command failed'), { level: 50, cmd: 'broken', err: { message: 'handler bug' } })
})

t.test('answers pipelined requests on one connection by id, and malformed lines with id -1', async (t) => {
  const { path } = await startServer(t)
  const responses = await rawExchange(path, '{"id":1,"cmd":"slow"}\n{"id":2,"cmd":"echo","args":{"n":2}}\nnonsense\n', 3)
  t.same(
    [...responses].sort((a, b) => (a as { id: number }).id - (b as { id: number }).id),
    [
      { id: -1, ok: false, error: { code: 'E_CONTROL_REQUEST', message: 'request is not JSON' } },
      { id: 1, ok: true, result: 'done' },
      { id: 2, ok: true, result: { youSaid: { n: 2 } } },
    ],
  )
})

t.test('the socket file is only accessible to the station’s user (mode 0600)', async (t) => {
  const { path } = await startServer(t)
  const stat = statSync(path)
  t.ok(stat.isSocket())
  t.equal(stat.mode & 0o777, 0o600)
})

t.test('stop closes open connections, removes the socket file and reports stopped', async (t) => {
  const { server, path } = await startServer(t)
  const socket = createConnection(path)
  await new Promise((resolve) => socket.once('connect', resolve))
  const closed = new Promise((resolve) => socket.once('close', resolve))
  await server.stop()
  await closed
  t.equal(existsSync(path), false)
  t.strictSame(server.health(), { state: 'stopped' })
  await server.stop()
  t.pass('a second stop is harmless')
})

t.test('a socket file left by a killed station is removed at start', async (t) => {
  const dataDir = t.testdir()
  const path = controlSocketPath(dataDir)
  // A real process listens, then dies by SIGKILL, leaving its socket file behind.
  const child = spawn(process.execPath, [
    '-e',
    `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
  ])
  await new Promise((resolve) => child.once('exit', resolve))
  t.ok(statSync(path).isSocket(), 'the stale socket is there')
  const server = new ControlServer(path, HANDLERS, captureLog().log)
  t.teardown(() => server.stop())
  await server.start(context())
  t.strictSame(await controlRequest(path, 'echo'), { youSaid: {} })
})

t.test('a plain file in the way of the socket is replaced', async (t) => {
  const dataDir = t.testdir()
  const path = controlSocketPath(dataDir)
  writeFileSync(path, 'left over')
  const server = new ControlServer(path, HANDLERS, captureLog().log)
  t.teardown(() => server.stop())
  await server.start(context())
  t.ok(statSync(path).isSocket())
})

t.test('a second server on a live socket refuses to start and leaves the first one working', async (t) => {
  const { path } = await startServer(t)
  const second = new ControlServer(path, {}, captureLog().log)
  await t.rejects(second.start(context()), { code: 'E_CONTROL_REQUEST', message: /another station is already running/ })
  // The supervisor stops a service whose start failed; that must not take the socket from the first.
  await second.stop()
  t.ok(existsSync(path), 'the first station’s socket file is still there')
  t.strictSame(await controlRequest(path, 'echo', { still: 'here' }), { youSaid: { still: 'here' } })
})

t.test('the client against a missing socket says that no station is running', async (t) => {
  const path = controlSocketPath(t.testdir())
  await t.rejects(controlRequest(path, 'status'), {
    code: 'E_CONTROL_REQUEST',
    message: /no station is running with this data dir/,
  })
})

async function rawServer(t: Teardown, onConnection: (socket: import('node:net').Socket) => void, path: string): Promise<Server> {
  const server = createServer(onConnection)
  await new Promise<void>((resolve) => server.listen(path, resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return server
}

t.test('the client gives up with E_DEVICE_TIMEOUT when the station never answers', async (t) => {
  const path = controlSocketPath(t.testdir())
  const held: import('node:net').Socket[] = []
  await rawServer(t, (socket) => void held.push(socket), path)
  t.teardown(() => held.forEach((socket) => socket.destroy()))
  await t.rejects(controlRequest(path, 'status', {}, 50), { code: 'E_DEVICE_TIMEOUT', message: /within 50 ms/ })
})

t.test('the client rejects at once when the station hangs up without answering', async (t) => {
  const path = controlSocketPath(t.testdir())
  await rawServer(t, (socket) => socket.on('data', () => socket.destroy()), path)
  const startedMs = Date.now()
  await t.rejects(controlRequest(path, 'status', {}, 5000), { code: 'E_CONTROL_REQUEST' })
  t.ok(Date.now() - startedMs < 2000, 'did not wait for the timeout')
})

t.test('the socket is 0600, or 0660 with groupAccess for a technicians group', async (t) => {
  const base = t.testdir()
  const privateServer = new ControlServer(controlSocketPath(join(base, 'private')), HANDLERS, captureLog().log)
  t.teardown(() => privateServer.stop())
  await privateServer.start(context())
  t.equal(statSync(privateServer.path).mode & 0o777, 0o600)
  const groupServer = new ControlServer(controlSocketPath(join(base, 'group')), HANDLERS, captureLog().log, { groupAccess: true })
  t.teardown(() => groupServer.stop())
  await groupServer.start(context())
  t.equal(statSync(groupServer.path).mode & 0o777, 0o660)
  t.strictSame(await controlRequest(groupServer.path, 'echo'), { youSaid: {} })
})
