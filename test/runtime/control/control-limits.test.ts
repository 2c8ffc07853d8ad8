/**
 * The control socket as a boundary: whatever a client sends, and however many clients there are,
 * the station answers with a reason and never grows without bound (docs/security.md).
 */
import { createConnection } from 'node:net'
import t from 'tap'
import { controlRequest } from '../../../runtime/control/control-client.js'
import { MAX_IN_FLIGHT_PER_CONNECTION } from '../../../runtime/control/control-connection.js'
import { MAX_REQUEST_BYTES } from '../../../runtime/control/control-protocol.js'
import { ControlServer, type ControlHandler, type ControlServerOptions } from '../../../runtime/control/control-server.js'
import { controlSocketPath } from '../../../runtime/control/socket-path.js'
import { StationError } from '../../../runtime/core/errors.js'
import { waitUntil } from '../../support/wait-until.js'
import { captureLog } from '../../support/capture-log.js'
import { testDir, type TestDirOwner } from '../../support/test-dir.js'


/** A status-sized reply, so that a client that does not read fills its socket quickly. */
const REPORT = { text: 'x'.repeat(2000) }

const HANDLERS: Record<string, ControlHandler> = {
  status: () => REPORT,
  echo: (args) => ({ youSaid: args }),
  typed: (args) => {
    if (typeof args.on !== 'boolean') throw new StationError('E_CONTROL_REQUEST', 'typed needs on: true or false', { reason: 'bad-args' })
    return { on: args.on }
  },
  bigint: () => ({ n: 1n }),
  hang: () => new Promise(() => undefined),
  slow: async () => {
    await new Promise((resolve) => setTimeout(resolve, 300))
    return 'done'
  },
}

type TestContext = TestDirOwner

async function startServer(t: TestContext, options: Partial<ControlServerOptions> = {}) {
  const path = controlSocketPath(testDir(t))
  const { log, lines } = captureLog()
  const server = new ControlServer(path, HANDLERS, log, options)
  t.teardown(() => server.stop())
  await server.start({ signal: new AbortController().signal, fail: () => undefined })
  return { server, path, lines }
}

/** A raw connection that collects every line the station sends and knows when it was closed. */
async function connect(t: TestContext, path: string) {
  const socket = createConnection(path)
  t.teardown(() => socket.destroy())
  const lines: Array<Record<string, unknown>> = []
  let buffer = ''
  let closed = false
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    buffer += chunk
    let newline = buffer.indexOf('\n')
    while (newline >= 0) {
      lines.push(JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>)
      buffer = buffer.slice(newline + 1)
      newline = buffer.indexOf('\n')
    }
  })
  socket.on('error', () => undefined)
  socket.on('close', () => {
    closed = true
  })
  await new Promise((resolve) => socket.once('connect', resolve))
  return { socket, lines, isClosed: () => closed }
}

t.test('malformed JSON, a wrong shape, wrong types and an unknown command each get an error with a reason', async (t) => {
  const { path } = await startServer(t)
  const client = await connect(t, path)
  const requests = [
    'not json at all',
    '[1,2,3]',
    '{"id":"1","cmd":"echo"}',
    '{"id":1.5,"cmd":"echo"}',
    '{"id":2,"cmd":42}',
    '{"id":3,"cmd":"echo","args":[1]}',
    '{"id":4,"cmd":"no.such"}',
    '{"id":5,"cmd":"typed","args":{"on":"yes"}}',
    '{"id":6,"cmd":"bigint"}',
    '{"id":7,"cmd":"typed","args":{"on":true}}',
  ]
  client.socket.write(`${requests.join('\n')}\n`)
  await waitUntil('client.lines.length === requests.length', () => client.lines.length === requests.length)
  const byId = (id: number) => client.lines.filter((line) => line['id'] === id)
  t.strictSame(
    byId(-1).map((line) => line['error']),
    [
      { code: 'E_CONTROL_REQUEST', message: 'request is not JSON', reason: 'malformed' },
      { code: 'E_CONTROL_REQUEST', message: 'request.id must be an integer', reason: 'malformed' },
      { code: 'E_CONTROL_REQUEST', message: 'request.id must be an integer', reason: 'malformed' },
      { code: 'E_CONTROL_REQUEST', message: 'request.id must be an integer', reason: 'malformed' },
      { code: 'E_CONTROL_REQUEST', message: 'request.cmd must be a non-empty string', reason: 'malformed' },
      { code: 'E_CONTROL_REQUEST', message: 'request.args must be an object', reason: 'malformed' },
    ],
  )
  t.strictSame(byId(4)[0]?.['error'], { code: 'E_CONTROL_REQUEST', message: "unknown command 'no.such'", reason: 'unknown-command' })
  t.strictSame(byId(5)[0]?.['error'], { code: 'E_CONTROL_REQUEST', message: 'typed needs on: true or false', reason: 'bad-args' })
  t.match(byId(6)[0]?.['error'], { code: 'E_CONTROL_REQUEST', reason: 'internal', message: /could not be encoded/ })
  t.strictSame(byId(7)[0], { id: 7, ok: true, result: { on: true } }, 'the same connection still answers good requests')
  t.equal(client.isClosed(), false)
  t.strictSame(await controlRequest(path, 'echo', { after: 'garbage' }), { youSaid: { after: 'garbage' } })
})

t.test('an oversized line gets an error with reason too-long, then the connection is closed', async (t) => {
  const { path } = await startServer(t)
  const client = await connect(t, path)
  client.socket.write(`{"id":1,"cmd":"echo","args":{"pad":"${'x'.repeat(MAX_REQUEST_BYTES)}"}}\n`)
  await waitUntil('client.isClosed()', () => client.isClosed())
  t.match(client.lines, [{ id: -1, ok: false, error: { code: 'E_CONTROL_REQUEST', reason: 'too-long' } }])
  t.strictSame(await controlRequest(path, 'echo'), { youSaid: {} }, 'the station still answers others')
})

t.test('a line that never ends is refused once it passes the limit', async (t) => {
  const { path } = await startServer(t)
  const client = await connect(t, path)
  client.socket.write('y'.repeat(MAX_REQUEST_BYTES + 1))
  await waitUntil('client.isClosed()', () => client.isClosed())
  t.match(client.lines, [{ id: -1, error: { reason: 'too-long' } }])
})

t.test('a connection that sends no request within control.idleTimeoutMs is told so and closed', async (t) => {
  const { server, path } = await startServer(t, { idleTimeoutMs: 400 })
  const client = await connect(t, path)
  const openedMs = Date.now()
  // A request resets the timer: the connection lives at least 400 ms past it.
  await new Promise((resolve) => setTimeout(resolve, 150))
  client.socket.write('{"id":1,"cmd":"echo"}\n')
  await waitUntil('client.isClosed()', () => client.isClosed(), 3000)
  const lifetimeMs = Date.now() - openedMs
  t.ok(lifetimeMs >= 550, `lived ${lifetimeMs} ms: the request reset the idle timer`)
  t.match(client.lines, [
    { id: 1, ok: true },
    { id: -1, ok: false, error: { code: 'E_CONTROL_REQUEST', reason: 'idle', message: 'no request for 400 ms' } },
  ])
  await waitUntil('server.connectionStats().length === 0', () => server.connectionStats().length === 0)
})

t.test('a request still being answered is not idleness', async (t) => {
  const { path } = await startServer(t, { idleTimeoutMs: 100 })
  t.equal(await controlRequest(path, 'slow'), 'done', 'a 300 ms handler outlives a 100 ms idle timeout')
})

t.test('a connection over control.maxConnections gets one error line with the reason, then is closed', async (t) => {
  const { server, path } = await startServer(t, { maxConnections: 3 })
  const held = await Promise.all([connect(t, path), connect(t, path), connect(t, path)])
  await waitUntil('server.connectionStats().length === 3', () => server.connectionStats().length === 3)
  const over = await connect(t, path)
  await waitUntil('over.isClosed()', () => over.isClosed())
  t.match(over.lines, [{ id: -1, ok: false, error: { code: 'E_CONTROL_REQUEST', reason: 'too-many-connections', message: /at most 3 connections/ } }])
  t.equal(over.lines.length, 1, 'exactly one line')
  await t.rejects(controlRequest(path, 'echo'), { code: 'E_CONTROL_REQUEST', context: { reason: 'too-many-connections' } }, 'the client reports the reason')
  for (const client of held) t.equal(client.isClosed(), false, 'the connections under the cap are kept')
  held[0]?.socket.destroy()
  await waitUntil('server.connectionStats().length === 2', () => server.connectionStats().length === 2)
  t.strictSame(await controlRequest(path, 'echo', { room: true }), { youSaid: { room: true } }, 'a freed place is served')
})

t.test('many clients at once are all answered', async (t) => {
  const { path } = await startServer(t)
  const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => controlRequest(path, 'echo', { n })))
  t.strictSame(answers, Array.from({ length: 50 }, (_, n) => ({ youSaid: { n } })))
})

t.test('a client that floods requests without reading is paused, holds a bounded amount, and others are served', async (t) => {
  const { server, path } = await startServer(t)
  const flooder = await connect(t, path)
  // Never read: every reply stays in the socket buffers until the station stops writing.
  flooder.socket.pause()
  const requestCount = 20_000
  let text = ''
  for (let id = 1; id <= requestCount; id++) text += `{"id":${id},"cmd":"status"}\n`
  flooder.socket.write(text)
  await waitUntil('server.connectionStats()[0]?.readingPaused === true', () => server.connectionStats()[0]?.readingPaused === true, 5000)
  // Give it time to grow if it were going to.
  await new Promise((resolve) => setTimeout(resolve, 500))
  const [stats] = server.connectionStats()
  t.ok(stats?.readingPaused, 'the station stopped reading from the flooding client')
  t.ok(stats && stats.inFlight <= MAX_IN_FLIGHT_PER_CONNECTION, `in flight: ${stats?.inFlight}`)
  const replyBytes = JSON.stringify(REPORT).length + 30
  t.ok(stats && stats.queuedReplyBytes < 32 * replyBytes, `queued reply bytes ${stats?.queuedReplyBytes} stay bounded`)
  // At most one read's worth of lines waits (64 KiB of 30-byte requests), never the 20,000.
  t.ok(stats && stats.waiting < 4000, `waiting requests ${stats?.waiting}`)
  t.strictSame(await controlRequest(path, 'echo', { meanwhile: true }), { youSaid: { meanwhile: true } }, 'another client is answered meanwhile')

  // Once the client reads, everything it asked for is answered, in order.
  flooder.socket.resume()
  await waitUntil('flooder.lines.length === requestCount', () => flooder.lines.length === requestCount, 30_000)
  t.equal(flooder.lines.at(-1)?.['id'], requestCount)
  t.ok(flooder.lines.every((line, index) => line['id'] === index + 1 && line['ok'] === true), 'every reply, in order')
  t.equal(server.connectionStats()[0]?.readingPaused, false, 'reading resumed')
})

t.test('a flooding client that never reads is closed by the idle timeout, releasing what it held', async (t) => {
  const { server, path } = await startServer(t, { idleTimeoutMs: 300 })
  const flooder = await connect(t, path)
  flooder.socket.pause()
  let text = ''
  for (let id = 1; id <= 5000; id++) text += `{"id":${id},"cmd":"status"}\n`
  flooder.socket.write(text)
  await waitUntil('server.connectionStats()[0]?.readingPaused === true', () => server.connectionStats()[0]?.readingPaused === true, 5000)
  await waitUntil('server.connectionStats().length === 0', () => server.connectionStats().length === 0, 5000)
  t.pass('the connection is gone')
})

t.test('a handler that never returns does not hold the connection past the idle timeout forever when the client leaves', async (t) => {
  const { server, path } = await startServer(t, { idleTimeoutMs: 100 })
  const client = await connect(t, path)
  client.socket.write('{"id":1,"cmd":"hang"}\n')
  await waitUntil('server.connectionStats()[0]?.inFlight === 1', () => server.connectionStats()[0]?.inFlight === 1)
  client.socket.destroy()
  await waitUntil('server.connectionStats().length === 0', () => server.connectionStats().length === 0)
  t.pass('closed by the client, forgotten by the station')
})
