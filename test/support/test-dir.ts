/**
 * A fresh directory for one test, removed after the test's own teardowns.
 *
 * tap's `t.testdir()` removes its directory from the end-of-test hook it installs; when `testdir` is
 * called before the first `t.teardown`, that hook runs before the teardowns, so a station or broker
 * still running writes into a directory being removed (ENOTEMPTY), the removal throws, and the
 * teardowns that would have stopped it are skipped: the test file then hangs until tap's timeout.
 * Here the fixture is kept from tap's hook and removed by a teardown registered first, which runs
 * last (teardowns run last-registered first).
 */
import { rm } from 'node:fs/promises'
import type { Test } from 'tap'

type FixtureContent = Parameters<Test['testdir']>[0]
export type TestDirOwner = Pick<Test, 'testdir' | 'teardown' | 'saveFixture'>

export function testDir(t: TestDirOwner, content?: FixtureContent): string {
  t.saveFixture = true
  const dir = t.testdir(content)
  t.teardown(() => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }))
  return dir
}
