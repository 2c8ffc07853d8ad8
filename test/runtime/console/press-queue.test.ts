import t from 'tap'
import type { KeyName } from '../../../config/schema.js'
import { createPressQueue, splitTerminalInput } from '../../../runtime/console/press-queue.js'

t.test('a burst chunk becomes one key per character, control characters as their keys', async (t) => {
  t.same(splitTerminalInput('0912', {}), [
    { input: '0', key: {} },
    { input: '9', key: {} },
    { input: '1', key: {} },
    { input: '2', key: {} },
  ])
  t.same(splitTerminalInput('5\r\x7f\b\nq\x03', {}), [
    { input: '5', key: {} },
    { input: '', key: { return: true } },
    { input: '', key: { backspace: true } },
    { input: '', key: { backspace: true } },
    { input: '', key: { return: true } },
    { input: 'q', key: {} },
    { input: 'c', key: { ctrl: true } },
  ])
})

t.test('one key, a named key and a key with a modifier stay as they are', async (t) => {
  t.same(splitTerminalInput('7', {}), [{ input: '7', key: {} }])
  t.same(splitTerminalInput('', { return: true }), [{ input: '', key: { return: true } }])
  t.same(splitTerminalInput('12', { meta: true }), [{ input: '12', key: { meta: true } }])
  t.same(splitTerminalInput('ab', { ctrl: true }), [{ input: 'ab', key: { ctrl: true } }])
  t.same(splitTerminalInput('\x1b[Z', {}), [{ input: '\x1b[Z', key: {} }])
  t.same(splitTerminalInput('ắ', {}), [{ input: 'ắ', key: {} }], 'one character of two UTF-16 units or more is one key')
})

t.test('presses go out one at a time, in order, and a failure does not stop the rest', async (t) => {
  const log: string[] = []
  let inFlight = 0
  let most = 0
  const failures: string[] = []
  const queue = createPressQueue(
    async (key) => {
      inFlight += 1
      most = Math.max(most, inFlight)
      log.push(`down ${key}`)
      await new Promise((resolve) => setTimeout(resolve, key === '2' ? 15 : 3))
      log.push(`up ${key}`)
      inFlight -= 1
      if (key === 'back') throw new Error('no electrode is wired to key back')
    },
    (error, key) => failures.push(`${key}: ${(error as Error).message}`),
  )
  const keys: KeyName[] = ['2', '3', 'back', 'ok']
  const all = keys.map((key) => queue.push(key))
  t.equal(queue.pending, 4)
  await Promise.all(all)
  t.equal(most, 1, 'never two fingers at once')
  t.same(log, ['down 2', 'up 2', 'down 3', 'up 3', 'down back', 'up back', 'down ok', 'up ok'])
  t.same(failures, ['back: no electrode is wired to key back'])
  t.equal(queue.pending, 0)
})
