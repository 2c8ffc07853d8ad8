import t from 'tap'
import { EventBus } from '../../../runtime/bus/event-bus.js'
import { captureLog } from '../../support/capture-log.js'

interface TestEvents {
  'key.pressed': { key: string }
  'card.presented': { kind: string }
}


t.test('listeners run in subscription order with the payload, and only for their event', async (t) => {
  const bus = new EventBus<TestEvents>(captureLog().log)
  const seen: string[] = []
  bus.on('key.pressed', ({ key }) => seen.push(`first ${key}`))
  bus.on('card.presented', ({ kind }) => seen.push(`card ${kind}`))
  bus.on('key.pressed', ({ key }) => seen.push(`second ${key}`))
  bus.emit('key.pressed', { key: 'ok' })
  t.strictSame(seen, ['first ok', 'second ok'])
})

t.test('emitting an event nobody listens to does nothing', async (t) => {
  const { log, lines } = captureLog()
  const bus = new EventBus<TestEvents>(log)
  t.doesNotThrow(() => bus.emit('card.presented', { kind: 'cccd' }))
  t.strictSame(lines, [])
})

t.test('unsubscribe removes only that listener and is safe to call twice', async (t) => {
  const bus = new EventBus<TestEvents>(captureLog().log)
  const seen: string[] = []
  const offA = bus.on('key.pressed', ({ key }) => seen.push(`a ${key}`))
  bus.on('key.pressed', ({ key }) => seen.push(`b ${key}`))
  bus.emit('key.pressed', { key: '1' })
  offA()
  offA()
  bus.emit('key.pressed', { key: '2' })
  t.strictSame(seen, ['a 1', 'b 1', 'b 2'])
})

t.test('a listener that unsubscribes another during an emit does not disturb that emit', async (t) => {
  const bus = new EventBus<TestEvents>(captureLog().log)
  const seen: string[] = []
  let offB = () => {}
  bus.on('key.pressed', () => {
    seen.push('a')
    offB()
  })
  offB = bus.on('key.pressed', () => seen.push('b'))
  bus.emit('key.pressed', { key: '1' })
  bus.emit('key.pressed', { key: '2' })
  t.strictSame(seen, ['a', 'b', 'a'], 'b still heard the event in flight, then no more')
})

t.test('a throwing listener is logged with the event name and the others still run', async (t) => {
  const { log, lines } = captureLog()
  const bus = new EventBus<TestEvents>(log)
  const seen: string[] = []
  bus.on('key.pressed', () => seen.push('before'))
  bus.on('key.pressed', () => {
    throw new Error('listener broke')
  })
  bus.on('key.pressed', () => seen.push('after'))
  bus.emit('key.pressed', { key: '5' })
  t.strictSame(seen, ['before', 'after'])
  t.equal(lines.length, 1)
  t.match(lines[0], { level: 50, event: 'key.pressed', msg: 'event listener failed', err: { message: 'listener broke' } })
})
