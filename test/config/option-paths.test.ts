import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { stringify } from 'yaml'
import { Kind } from '@sinclair/typebox'
import { ENV_OVERRIDES, withOverride } from '../../config/env.js'
import { formatProblems, loadConfig } from '../../config/load.js'
import { FILE_LIST_OPTIONS, FILE_OPTIONS, NEVER_REMOTE, optionAt, optionEntries, withNeverRemoteList } from '../../config/option-paths.js'
import { socketLocation } from '../../config/socket-location.js'
import { getIn } from '../../config/raw-config.js'
import { testDir } from '../support/test-dir.js'

const dotted = (path: readonly string[]): string => path.join('.')

t.test('the file options are read from the definition: every option of a disk format, and lists of them', async (t) => {
  const files = FILE_OPTIONS.map(dotted)
  for (const known of ['dataDir', 'flows.dir', 'storage.keyFile', 'mqtt.passwordFile', 'mqtt.tls.caFile', 'mqtt.tls.certFile', 'mqtt.tls.keyFile', 'control.socketPath']) {
    t.ok(files.includes(known), `${known} is a file option`)
  }
  t.strictSame(FILE_LIST_OPTIONS.map(dotted), ['ops.trustedKeys', 'central.trustedKeys', 'identity.cscaFiles'])
  t.ok(files.includes('hardware.gpio.sysfsRoot'), 'a device option that is a folder on disk is found too')
  const serialPorts = optionEntries().filter((entry) => entry.schema.format === 'serial-path').map((entry) => dotted(entry.path))
  t.ok(serialPorts.length > 0, 'the definition has serial ports')
  t.notOk(serialPorts.some((path) => files.includes(path)), 'serial ports are devices, not files: none is resolved')
  for (const path of [...FILE_OPTIONS, ...FILE_LIST_OPTIONS]) t.ok(optionAt(dotted(path)), `${dotted(path)} exists in the definition`)
  const pathVariables = ENV_OVERRIDES.filter((row) => row.kind === 'path').map((row) => dotted(row.path))
  const otherVariables = ENV_OVERRIDES.filter((row) => row.kind !== 'path').map((row) => dotted(row.path))
  t.ok(pathVariables.every((path) => files.includes(path)), 'every path variable sets a file option')
  t.notOk(otherVariables.some((path) => files.includes(path)), 'no file option is set by a variable that is not resolved as a path')
})

t.test('a relative value of every file option in a file resolves against the file folder', async (t) => {
  const dir = testDir(t, { etc: {} })
  const folder = join(dir, 'etc')
  // The socket path must fit unix(7)'s 107 bytes, which the test dir does not: this one climbs to the root.
  const relative = (path: readonly string[]) => (dotted(path) === 'control.socketPath' ? `${'../'.repeat(folder.split('/').length)}tmp/s.sock` : `rel/${dotted(path)}`)
  let raw: unknown = { hardware: { simulated: true } }
  for (const path of FILE_OPTIONS) raw = withOverride(raw, path, relative(path))
  for (const path of FILE_LIST_OPTIONS) raw = withOverride(raw, path, [`rel/${dotted(path)}.pem`, '/abs/kept.pem'])
  const file = join(folder, 'station.yaml')
  await writeFile(file, stringify(raw))
  const result = await loadConfig({ file, env: {}, overrides: {}, bundledFlowsDir: '/opt/flows', defaultDataDir: '/var/lib/station', cwd: '/elsewhere' })
  if (!result.ok) throw new Error(formatProblems(result.source, result.problems))
  for (const path of FILE_OPTIONS) t.equal(getIn(result.config, path), resolve(folder, relative(path)), dotted(path))
  t.equal(result.config.control.socketPath, '/tmp/s.sock')
  for (const path of FILE_LIST_OPTIONS) t.strictSame(getIn(result.config, path), [join(folder, 'rel', `${dotted(path)}.pem`), '/abs/kept.pem'], dotted(path))

  const location = await socketLocation({ file: 'etc/station.yaml', env: {}, cwd: dir })
  t.strictSame(location, { ok: true, socketPath: '/tmp/s.sock', dataDir: join(folder, 'rel', 'dataDir') }, 'a client finds the socket the same way, without the schema')
})

t.test('never remote: every file, key and trust option, and every marked one; each exists in the definition', async (t) => {
  const refused = (path: string) => NEVER_REMOTE.some((root) => path === root.path || path.startsWith(`${root.path}.`))
  for (const entry of NEVER_REMOTE) {
    t.ok(optionAt(entry.path), `${entry.path} exists in the definition`)
    t.match(entry.reason, /\S/, `${entry.path} says why`)
  }
  for (const { path, schema } of optionEntries()) {
    const name = dotted(path)
    const isSensitive = /(File|Dir|dir|Keys|Root|Path)$|trust|tls|^station\.id$|^hardware\.simulated$/.test(name)
    if (isSensitive) t.ok(refused(name), `${name} is refused by desired config`)
    if (schema[Kind] === 'String' && (schema.format === 'absolute-path' || schema.format === 'socket-path')) t.ok(refused(name), `${name} (a file) is refused`)
  }
  for (const section of ['ops', 'central', 'control', 'mqtt.tls']) t.ok(NEVER_REMOTE.some((entry) => entry.path === section), `${section} is refused whole`)
  t.notOk(refused('session.idleTimeoutS'), 'an ordinary option stays settable')
  t.notOk(refused('mqtt.url'), 'the broker URL stays settable (docs/remote-config.md)')
})

t.test('docs/remote-config.md lists what the definition refuses', async (t) => {
  const doc = await readFile(fileURLToPath(new URL('../../docs/remote-config.md', import.meta.url)), 'utf8')
  t.equal(doc, withNeverRemoteList(doc), 'docs/remote-config.md never-remote list is stale: run `npm run build` and commit it')
  for (const entry of NEVER_REMOTE) t.match(doc, `- \`${entry.path}\``, `${entry.path} is listed`)
  t.match(doc, '- `ops` (all of it): which keys the station obeys')
  t.throws(() => withNeverRemoteList('# Remote\n'), /no <!-- never remote --> block/)
})
