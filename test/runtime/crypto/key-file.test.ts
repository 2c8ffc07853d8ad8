import { randomBytes } from 'node:crypto'
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { KEY_BYTES, loadOrCreateKey } from '../../../runtime/crypto/key-file.js'
import { testDir } from '../../support/test-dir.js'

t.test('creates a 32-byte key, mode 0600, in a new 0700 folder, and returns the same key later', async (t) => {
  const dir = join(testDir(t), 'keys')
  const path = join(dir, 'outbox.key')
  const key = await loadOrCreateKey(path)
  t.equal(key.length, KEY_BYTES)
  t.equal((await stat(path)).mode & 0o777, 0o600)
  t.equal((await stat(dir)).mode & 0o777, 0o700)
  t.strictSame(await readFile(path), key)
  t.strictSame(await readdir(dir), ['outbox.key'], 'no temp file is left behind')
  t.strictSame(await loadOrCreateKey(path), key)
})

t.test('gives two concurrent first starts the same key', async (t) => {
  const path = join(testDir(t), 'outbox.key')
  const [a, b] = await Promise.all([loadOrCreateKey(path), loadOrCreateKey(path)])
  t.strictSame(a, b)
  t.strictSame(await readFile(path), a)
})

t.test('refuses a key file readable by group or others and says which chmod fixes it', async (t) => {
  const path = join(testDir(t), 'outbox.key')
  await writeFile(path, randomBytes(32))
  for (const mode of [0o644, 0o640, 0o604, 0o620]) {
    await chmod(path, mode)
    await t.rejects(loadOrCreateKey(path), { code: 'E_OUTBOX_IO', message: new RegExp(`chmod 600 ${path}`) }, mode.toString(8))
  }
  const original = await readFile(path)
  await chmod(path, 0o400)
  t.strictSame(await loadOrCreateKey(path), original, 'owner-only read-only is fine')
})

t.test('refuses a key file that is not exactly 32 raw bytes and leaves it alone', async (t) => {
  const path = join(testDir(t), 'outbox.key')
  for (const content of [randomBytes(31), randomBytes(33), Buffer.from(randomBytes(32).toString('hex')), Buffer.alloc(0)]) {
    await writeFile(path, content, { mode: 0o600 })
    await t.rejects(loadOrCreateKey(path), { code: 'E_OUTBOX_IO', message: /exactly 32 raw bytes/ }, `${content.length} bytes`)
    t.strictSame(await readFile(path), content)
  }
})

t.test('refuses a path that is a folder', async (t) => {
  const path = testDir(t, { 'outbox.key': {} })
  await t.rejects(loadOrCreateKey(join(path, 'outbox.key')), { code: 'E_OUTBOX_IO' })
})
