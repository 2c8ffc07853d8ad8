import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConnection, createServer, type Server } from 'node:net'
import t from 'tap'
import { connectProblem, controlRequest } from '../../../runtime/control/control-client.js'
import { ControlServer, type ControlHandler, type ControlServerOptions } from '../../../runtime/control/control-server.js'
import { controlSocketPath } from '../../../runtime/control/socket-path.js'
import { StationError } from '../../../runtime/core/errors.js'
import type { ServiceContext } from '../../../runtime/supervisor/service.js'
import { captureLog } from '../../support/capture-log.js'
import { testDir, type TestDirOwner } from '../../support/test-dir.js'

interface Teardown {
  teardown(fn: () => unknown): void
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
async function startServer(t: TestDirOwner, handlers = HANDLERS, options: Partial<ControlServerOptions> = {}) {
  const dataDir = testDir(t)
  const path = controlSocketPath(dataDir)
  const { log, lines } = captureLog()
  const server = new ControlServer(path, handlers, log, options)
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
      { id: -1, ok: false, error: { code: 'E_CONTROL_REQUEST', message: 'request is not JSON', reason: 'malformed' } },
      { id: 1, ok: true, result: 'done' },
      { id: 2, ok: true, result: { youSaid: { n: 2 } } },
    ],
  )
})

t.test('the socket file is only accessible to the station’s user (mode 0600) without a group', async (t) => {
  const { path, lines } = await startServer(t, HANDLERS, { group: null, mode: 0o660 })
  const stat = statSync(path)
  t.ok(stat.isSocket())
  t.equal(stat.mode & 0o777, 0o600, 'control.mode applies only with the group')
  t.strictSame(lines.filter((line) => line['level'] === 40), [], 'no group configured: nothing to warn about')
  t.match(lines.find((line) => line['msg'] === 'control socket listening'), { mode: '0600', group: null })
})

/** The gid of `name` as the system sees it (getent reads /etc/group through NSS). */
function systemGid(name: string): number {
  return Number(execFileSync('getent', ['group', name], { encoding: 'utf8' }).split(':')[2])
}

t.test('with control.group the socket belongs to that group with control.mode', async (t) => {
  if (process.getuid?.() === 0) {
    // Root: a real group, made for this test and removed after it.
    const group = `cstest${process.pid}`
    execFileSync('groupadd', [group])
    t.teardown(() => execFileSync('groupdel', [group]))
    const { path, lines } = await startServer(t, HANDLERS, { group, mode: 0o660 })
    const stat = statSync(path)
    t.equal(stat.gid, systemGid(group), 'chowned to the new group')
    t.equal(stat.mode & 0o777, 0o660)
    t.match(lines.find((line) => line['msg'] === 'control socket listening'), { mode: '0660', group })
  } else {
    // Not root: the process's own group, named in a group file of the test's, is one it may give.
    const groupFile = writeGroupFile(t, `techs:x:${process.getgid?.()}:\n`)
    const { path } = await startServer(t, HANDLERS, { group: 'techs', mode: 0o640, groupFile })
    t.equal(statSync(path).mode & 0o777, 0o640)
  }
})

/** A group(5) file outside the test dir (startServer makes that one afresh). */
function writeGroupFile(t: Teardown, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-group-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'group')
  writeFileSync(file, text)
  return file
}

t.test('a group from the group file is used (the gid it names, not a guess)', async (t) => {
  // Root may give any gid; anyone else only their own group.
  const gid = process.getuid?.() === 0 ? 4242 : (process.getgid?.() ?? 0)
  const groupFile = writeGroupFile(t, `root:x:0:\nother:x:12345\nbroken:x:nope:\ntechs:x:${gid}:alice,bob\n`)
  const { path } = await startServer(t, HANDLERS, { group: 'techs', mode: 0o640, groupFile })
  t.equal(statSync(path).gid, gid)
  t.equal(statSync(path).mode & 0o777, 0o640)
})

t.test('a control.group that does not exist: one warning, and the socket stays 0600', async (t) => {
  t.notOk(readFileSync('/etc/group', 'utf8').includes('cs-no-such-group:'), 'the group really is absent')
  const { server, path, lines } = await startServer(t, HANDLERS, { group: 'cs-no-such-group', mode: 0o660 })
  t.equal(statSync(path).mode & 0o777, 0o600)
  // A restart by the supervisor does not repeat the warning.
  await server.stop()
  await server.start(context())
  t.equal(statSync(path).mode & 0o777, 0o600)
  const warnings = lines.filter((line) => line['level'] === 40)
  t.equal(warnings.length, 1, 'warned once')
  t.match(warnings[0], { group: 'cs-no-such-group', reason: 'group cs-no-such-group does not exist', msg: /stays 0600/ })
  t.strictSame(await controlRequest(path, 'echo'), { youSaid: {} }, 'the station still serves its own user')
})

t.test('an unreadable group file is a warning with the cause, and the socket stays 0600', async (t) => {
  const { path, lines } = await startServer(t, HANDLERS, { group: 'techs', groupFile: join(tmpdir(), `cs-missing-${process.pid}`, 'group') })
  t.equal(statSync(path).mode & 0o777, 0o600)
  t.match(lines.find((line) => line['level'] === 40), { reason: /^cannot read .*cs-missing-.*ENOENT/ })
})

t.test('connection problems read as causes, not errno codes', async (t) => {
  const error = (code: string) => Object.assign(new Error(`connect ${code}`), { code })
  t.equal(connectProblem(error('ENOENT'), '/run/s.sock'), 'no station is running (no socket at /run/s.sock)')
  t.match(connectProblem(error('ECONNREFUSED'), '/run/s.sock'), /no station is running \(\/run\/s.sock is left over/)
  t.match(connectProblem(error('EACCES'), '/run/s.sock'), /not allowed to use \/run\/s.sock: .*control.group/)
  t.equal(connectProblem(error('EIO'), '/run/s.sock'), 'cannot reach the station at /run/s.sock: connect EIO')
})

t.test('a stale socket file (its station killed) is reported as left over, not as a crash', async (t) => {
  const path = controlSocketPath(testDir(t))
  const child = spawn(process.execPath, [
    '-e',
    `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
  ])
  await new Promise((resolve) => child.once('exit', resolve))
  await t.rejects(controlRequest(path, 'status'), { code: 'E_CONTROL_REQUEST', message: /is left over from a station that stopped/ })
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
  const dataDir = testDir(t)
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
  const dataDir = testDir(t)
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
  const path = controlSocketPath(testDir(t))
  await t.rejects(controlRequest(path, 'status'), {
    code: 'E_CONTROL_REQUEST',
    message: /no station is running \(no socket at /,
  })
})

async function rawServer(t: Teardown, onConnection: (socket: import('node:net').Socket) => void, path: string): Promise<Server> {
  const server = createServer(onConnection)
  await new Promise<void>((resolve) => server.listen(path, resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return server
}

t.test('the client gives up with E_DEVICE_TIMEOUT when the station never answers', async (t) => {
  const path = controlSocketPath(testDir(t))
  const held: import('node:net').Socket[] = []
  await rawServer(t, (socket) => void held.push(socket), path)
  t.teardown(() => held.forEach((socket) => socket.destroy()))
  await t.rejects(controlRequest(path, 'status', {}, 50), { code: 'E_DEVICE_TIMEOUT', message: /within 50 ms/ })
})

t.test('the client rejects at once when the station hangs up without answering', async (t) => {
  const path = controlSocketPath(testDir(t))
  await rawServer(t, (socket) => socket.on('data', () => socket.destroy()), path)
  const startedMs = Date.now()
  await t.rejects(controlRequest(path, 'status', {}, 5000), { code: 'E_CONTROL_REQUEST' })
  t.ok(Date.now() - startedMs < 2000, 'did not wait for the timeout')
})

t.test('a group the station user may not give (not a member): one warning with the cause, and 0600', async (t) => {
  if (process.getuid?.() !== 0) {
    // Not root: the test's own user is the station user; root's group is one it may not give.
    const { path, lines } = await startServer(t, HANDLERS, { group: 'root' })
    t.equal(statSync(path).mode & 0o777, 0o600)
    t.match(lines.find((line) => line['level'] === 40), { reason: /cannot give the socket to group root/ })
    return
  }
  // Root may give any group: the server runs in a child as nobody, as the station's user would.
  const dir = mkdtempSync(join(tmpdir(), 'cs-eperm-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  chmodSync(dir, 0o777)
  const server = new URL('../../../runtime/control/control-server.ts', import.meta.url).href
  const capture = new URL('../../support/capture-log.ts', import.meta.url).href
  const script = [
    `const { ControlServer } = await import(${JSON.stringify(server)})`,
    `const { captureLog } = await import(${JSON.stringify(capture)})`,
    "const { log: logger, lines } = captureLog('info')",
    `const s = new ControlServer(${JSON.stringify(join(dir, 'c.sock'))}, {}, logger, { group: 'root', mode: 0o660 })`,
    'await s.start({ signal: new AbortController().signal, fail() {} })',
    "const { statSync } = await import('node:fs')",
    `const mode = statSync(${JSON.stringify(join(dir, 'c.sock'))}).mode & 0o777`,
    'await s.stop()',
    'process.stdout.write(JSON.stringify({ mode, warnings: lines.filter((l) => l.level === 40) }))',
  ].join('\n')
  const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }))
  // tap's processinfo hook rides along into every child (it wraps child_process and sets
  // NODE_OPTIONS again), and as nobody it cannot write its record under .tap/ when the child
  // exits: that failure goes to the child's stderr and exit code, not to what it printed first.
  const child = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
    uid: nobody,
    gid: nobody,
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output = child.stdout
  t.ok(output.startsWith('{'), `the child printed its result${output ? '' : `: ${child.stderr}`}`)
  const { mode, warnings } = JSON.parse(output) as { mode: number; warnings: Array<Record<string, unknown>> }
  t.equal(mode, 0o600, 'not givable: the socket stays the station user’s alone')
  t.equal(warnings.length, 1)
  t.match(warnings[0], { group: 'root', reason: /^cannot give the socket to group root: EPERM/ })
})

t.test('a refused client that keeps its side open is cut off after a grace period', async (t) => {
  const { path } = await startServer(t, HANDLERS, { maxConnections: 1 })
  const first = createConnection(path)
  t.teardown(() => first.destroy())
  await new Promise((resolve) => first.once('connect', resolve))
  // allowHalfOpen: this client does not answer the station's end with its own.
  const stubborn = createConnection({ path, allowHalfOpen: true })
  t.teardown(() => stubborn.destroy())
  let text = ''
  stubborn.setEncoding('utf8')
  stubborn.on('data', (chunk: string) => (text += chunk))
  await new Promise((resolve) => stubborn.once('end', resolve))
  t.match(JSON.parse(text), { id: -1, error: { reason: 'too-many-connections' } })
  // The station's side is still open for a moment (it reads and drops), then destroyed: a write
  // after the grace period meets a closed peer.
  stubborn.write('{"id":1,"cmd":"echo"}\n')
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const failed = new Promise<NodeJS.ErrnoException>((resolve) => stubborn.once('error', resolve))
  stubborn.write('{"id":2,"cmd":"echo"}\n')
  t.match(await failed, { code: /^(EPIPE|ECONNRESET)$/ }, 'the station has closed its side')
})
