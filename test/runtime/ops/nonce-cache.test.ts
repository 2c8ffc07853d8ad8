import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { createSilentLogger } from '../../../runtime/log.js'
import { NonceCache } from '../../../runtime/ops/nonce-cache.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { testDir } from '../../support/test-dir.js'

const TTL_MS = 600_000
const open = (path: string, clock: SimClock, maxEntries = 100) =>
  NonceCache.open({ path, clock, ttlMs: TTL_MS, maxEntries, log: createSilentLogger() })

t.test('a remembered nonce is seen again after the cache is reopened from disk (a restart)', async (t) => {
  const path = join(testDir(t, {}), 'ops', 'nonces.json')
  const clock = new SimClock()
  const first = await open(path, clock)
  t.equal(first.seen('nonce-0001', clock.now()), false)
  await first.remember('nonce-0001')
  t.equal(first.seen('nonce-0001', clock.now()), true)
  t.equal(statSync(path).mode & 0o777, 0o600, 'the cache file is private')
  const second = await open(path, clock)
  t.equal(second.seen('nonce-0001', clock.now()), true, 'survives a reopen')
  t.equal(second.seen('nonce-0002', clock.now()), false)
})

t.test('entries expire after the ttl (2x the skew window) and are dropped from the file', async (t) => {
  const path = join(testDir(t, {}), 'nonces.json')
  const clock = new SimClock()
  const cache = await open(path, clock)
  await cache.remember('nonce-old-1')
  clock.advance(TTL_MS - 1)
  t.equal(cache.seen('nonce-old-1', clock.now()), true, 'still kept just before the ttl')
  clock.advance(1)
  t.equal(cache.seen('nonce-old-1', clock.now()), false, 'gone at the ttl')
  await cache.remember('nonce-new-1')
  const file = JSON.parse(readFileSync(path, 'utf8')) as { expires: Record<string, number> }
  t.same(Object.keys(file.expires), ['nonce-new-1'], 'expired entries are not written back')
})

t.test('the cache is bounded: beyond maxEntries the oldest is forgotten', async (t) => {
  const path = join(testDir(t, {}), 'nonces.json')
  const clock = new SimClock()
  const cache = await open(path, clock, 3)
  for (const nonce of ['n-000001', 'n-000002', 'n-000003', 'n-000004']) {
    await cache.remember(nonce)
    clock.advance(10)
  }
  t.equal(cache.size, 3)
  t.equal(cache.seen('n-000001', clock.now()), false)
  t.equal(cache.seen('n-000004', clock.now()), true)
})

t.test('a corrupt file is not fatal, but commands issued before it was opened are treated as replays', async (t) => {
  const path = join(testDir(t, {}), 'nonces.json')
  writeFileSync(path, '{"v":1,"expires":')
  const clock = new SimClock()
  const openedAtMs = clock.now()
  const cache = await open(path, clock)
  t.equal(cache.seen('fresh-nonce', openedAtMs - 1), true, 'issued before the loss: may have been seen')
  t.equal(cache.seen('fresh-nonce', openedAtMs), false, 'issued after: judged by the cache')
  await cache.remember('fresh-nonce')
  const reopened = await open(path, clock)
  t.equal(reopened.seen('fresh-nonce', openedAtMs), true, 'the rewritten file is readable again')
  t.equal(reopened.seen('other-nonce', openedAtMs - 1), true, 'and still remembers the loss after another restart')
  clock.advance(TTL_MS)
  await reopened.remember('later-nonce')
  t.equal(reopened.seen('other-nonce', openedAtMs - 1), false, 'until the loss is older than the ttl')
})
