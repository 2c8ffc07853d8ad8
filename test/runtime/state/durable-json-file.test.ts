import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Low } from 'lowdb'
import t from 'tap'
import { DurableJSONFile } from '../../../runtime/state/durable-json-file.js'
import { testDir } from '../../support/test-dir.js'

t.test('reads null when the file does not exist', async (t) => {
  const adapter = new DurableJSONFile<{ n: number }>(join(testDir(t), 'state.json'))
  t.equal(await adapter.read(), null)
})

t.test('writes JSON that reads back, owner-only, with no temp file left', async (t) => {
  const dir = testDir(t)
  const file = join(dir, 'state.json')
  const adapter = new DurableJSONFile<{ n: number; name: string }>(file)
  await adapter.write({ n: 1, name: 'trạm 1' })
  t.strictSame(await adapter.read(), { n: 1, name: 'trạm 1' })
  t.strictSame(JSON.parse(await readFile(file, 'utf8')), { n: 1, name: 'trạm 1' })
  t.equal((await stat(file)).mode & 0o777, 0o600)
  t.strictSame(await readdir(dir), ['state.json'])
})

t.test('survives 50 concurrent writes: all resolve, the last one wins, no temp file remains', async (t) => {
  const dir = testDir(t)
  const file = join(dir, 'state.json')
  const adapter = new DurableJSONFile<{ n: number }>(file)
  await Promise.all(Array.from({ length: 50 }, (_, n) => adapter.write({ n })))
  t.strictSame(await adapter.read(), { n: 49 })
  t.strictSame(await new DurableJSONFile<{ n: number }>(file).read(), { n: 49 })
  t.strictSame(await readdir(dir), ['state.json'])
})

t.test('writes the data as it was when write was called, not as it is later', async (t) => {
  const file = join(testDir(t), 'state.json')
  const adapter = new DurableJSONFile<{ n: number }>(file)
  const data = { n: 1 }
  const first = adapter.write({ n: 0 })
  const second = adapter.write(data)
  data.n = 2
  await Promise.all([first, second])
  t.strictSame(await adapter.read(), { n: 1 })
})

t.test('overwrites a temp file left by a crash', async (t) => {
  const dir = testDir(t, { 'state.json.tmp': 'half a wri' })
  const file = join(dir, 'state.json')
  await new DurableJSONFile<{ n: number }>(file).write({ n: 7 })
  t.strictSame(await readdir(dir), ['state.json'])
  t.strictSame(JSON.parse(await readFile(file, 'utf8')), { n: 7 })
})

t.test('rejects invalid JSON and failed writes with E_OUTBOX_IO', async (t) => {
  const dir = testDir(t, { 'bad.json': '{"n":' })
  await t.rejects(new DurableJSONFile(join(dir, 'bad.json')).read(), { code: 'E_OUTBOX_IO' })
  const nowhere = new DurableJSONFile<{ n: number }>(join(dir, 'missing', 'state.json'))
  const results = await Promise.allSettled([nowhere.write({ n: 1 }), nowhere.write({ n: 2 }), nowhere.write({ n: 3 })])
  t.strictSame(results.map((result) => result.status), ['rejected', 'rejected', 'rejected'])
  t.match(results[0], { reason: { code: 'E_OUTBOX_IO' } })
  await writeFile(join(dir, 'bad.json'), '{"n":1}')
  t.strictSame(await new DurableJSONFile(join(dir, 'bad.json')).read(), { n: 1 }, 'a later read of a fixed file works')
})

t.test('works as a lowdb adapter', async (t) => {
  const file = join(testDir(t), 'db.json')
  const db = new Low(new DurableJSONFile<{ items: string[] }>(file), { items: [] })
  await db.read()
  await db.update((data) => data.items.push('a'))
  const again = new Low(new DurableJSONFile<{ items: string[] }>(file), { items: [] })
  await again.read()
  t.strictSame(again.data, { items: ['a'] })
})
