import { writeFileSync } from 'node:fs'
import { chmod, mkdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { stationId } from '../../config/option-checks.js'
import { ensureSimStationId, newSimStationId, SIM_STATION_ID_FILE } from '../../runtime/sim-station-id.js'
import { testDir } from '../support/test-dir.js'

t.test('a new id is sim- and 8 hex digits, a valid station id', async (t) => {
  t.equal(newSimStationId(() => Buffer.from([0xde, 0xad, 0x01, 0x2f])), 'sim-dead012f')
  const made = newSimStationId()
  t.match(made, /^sim-[0-9a-f]{8}$/)
  t.equal(stationId(made), null)
})

t.test('two data dirs get two ids; the same data dir keeps its id', async (t) => {
  const root = testDir(t, { a: {}, b: {} })
  const first = await ensureSimStationId(join(root, 'a'))
  const second = await ensureSimStationId(join(root, 'b'))
  t.not(first, second)
  t.equal(await ensureSimStationId(join(root, 'a')), first, 'a restart reuses the id')
  t.equal((await readFile(join(root, 'a', SIM_STATION_ID_FILE), 'utf8')).trim(), first)
  t.equal((await stat(join(root, 'a', SIM_STATION_ID_FILE))).mode & 0o777, 0o600)
})

t.test('a file that does not hold a valid id is replaced', async (t) => {
  const dir = testDir(t, { [SIM_STATION_ID_FILE]: 'Not An Id!\n' })
  const id = await ensureSimStationId(dir, () => Buffer.from([1, 2, 3, 4]))
  t.equal(id, 'sim-01020304')
  t.equal(await readFile(join(dir, SIM_STATION_ID_FILE), 'utf8'), 'sim-01020304\n')
})

t.test('an id stored by hand is obeyed', async (t) => {
  const dir = testDir(t, { [SIM_STATION_ID_FILE]: 'lab-bench-7\n' })
  t.equal(await ensureSimStationId(dir), 'lab-bench-7')
})

t.test('an unreadable or unwritable data dir rejects with the fs error', async (t) => {
  const root = testDir(t, {})
  const dir = join(root, 'locked')
  await mkdir(dir)
  // A directory where the file should be: reading it fails with EISDIR, not ENOENT.
  await mkdir(join(dir, SIM_STATION_ID_FILE))
  await t.rejects(ensureSimStationId(dir), { code: 'EISDIR' })
  if (process.getuid?.() !== 0) {
    const readOnly = join(root, 'read-only')
    await mkdir(readOnly)
    await chmod(readOnly, 0o500)
    t.teardown(() => chmod(readOnly, 0o700))
    await t.rejects(ensureSimStationId(readOnly), { code: 'EACCES' })
  }
})

t.test('of two stations racing on a new data dir, both end up with one id', async (t) => {
  const dir = testDir(t, {})
  const ids = await Promise.all([ensureSimStationId(dir), ensureSimStationId(dir), ensureSimStationId(dir)])
  t.equal(new Set(ids).size, 1, ids.join(' '))
  t.equal((await readFile(join(dir, SIM_STATION_ID_FILE), 'utf8')).trim(), ids[0])
})

t.test('a racer whose file turns out invalid after EEXIST rethrows', async (t) => {
  const dir = testDir(t, {})
  // Another writer puts an invalid id there between the read and the exclusive link: EEXIST, and
  // what is there is no id, so the caller learns of the clash instead of running with a wrong id.
  const id = ensureSimStationId(dir, (size) => {
    writeFileSync(join(dir, SIM_STATION_ID_FILE), 'BAD\n')
    return Buffer.alloc(size, 0xab)
  })
  await t.rejects(id, { code: 'EEXIST' })
})
