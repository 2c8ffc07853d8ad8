import t from 'tap'
import { HeldEvents } from '../../runtime/held-events.js'

t.test('events raised offline are sent on the next connection, oldest first; online ones at once', async (t) => {
  let connected = false
  const sent: string[] = []
  const held = new HeldEvents({ emit: (type) => void sent.push(type), isConnected: () => connected })
  held.report('state.recovered', { source: 'prev' })
  held.report('outbox.set_aside', { reason: 'undecryptable', count: 1 })
  t.same(sent, [])
  connected = true
  held.connected()
  t.same(sent, ['state.recovered', 'outbox.set_aside'])
  held.connected()
  t.equal(sent.length, 2, 'each is sent once')
  held.report('outbox.set_aside', { reason: 'damaged', count: 1 })
  t.equal(sent.length, 3, 'sent at once while connected')
})

t.test('a long time offline keeps the newest 32', async (t) => {
  const sent: Array<Record<string, unknown>> = []
  let connected = false
  const held = new HeldEvents({ emit: (_type, fields) => void sent.push(fields), isConnected: () => connected })
  for (let i = 0; i < 40; i++) held.report('outbox.set_aside', { reason: 'undecryptable', count: i })
  connected = true
  held.connected()
  t.equal(sent.length, 32)
  t.equal(sent[0]?.count, 8)
})
