import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import t from 'tap'
import { controlSocketPath, MAX_SOCKET_PATH_BYTES } from '../../../runtime/control/socket-path.js'

const LONG_DIR = `/srv/${'very-deep-folder/'.repeat(8)}station-data`

t.test('a short data dir keeps the socket inside it', async (t) => {
  t.equal(controlSocketPath('/var/lib/citizen-station'), '/var/lib/citizen-station/station.sock')
})

t.test('a relative data dir is resolved against the working directory', async (t) => {
  const expected = join(resolve('.station'), 'station.sock')
  if (Buffer.byteLength(expected) > MAX_SOCKET_PATH_BYTES) {
    t.equal(controlSocketPath('.station'), controlSocketPath(resolve('.station')))
  } else {
    t.equal(controlSocketPath('.station'), expected)
  }
})

t.test('a configured short path is used as given', async (t) => {
  t.equal(controlSocketPath('/var/lib/citizen-station', '/run/station/control.sock'), '/run/station/control.sock')
})

t.test('a data dir too long for sun_path falls back to a short path in the temp dir', async (t) => {
  t.ok(Buffer.byteLength(join(LONG_DIR, 'station.sock')) > MAX_SOCKET_PATH_BYTES, 'the example is long enough')
  const path = controlSocketPath(LONG_DIR)
  t.equal(dirname(path), tmpdir())
  t.match(path, /citizen-station-[0-9a-f]{16}\.sock$/)
  t.ok(Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES)
})

t.test('the fallback is deterministic, so server and client agree, and differs per data dir', async (t) => {
  t.equal(controlSocketPath(LONG_DIR), controlSocketPath(LONG_DIR))
  t.equal(controlSocketPath(LONG_DIR), controlSocketPath(`${LONG_DIR}/`), 'a trailing slash is the same dir')
  t.equal(
    controlSocketPath(LONG_DIR),
    controlSocketPath(LONG_DIR, join(LONG_DIR, 'station.sock')),
    'the station passes its configured default; clients pass only the dir',
  )
  t.not(controlSocketPath(LONG_DIR), controlSocketPath(`${LONG_DIR}-2`))
})
