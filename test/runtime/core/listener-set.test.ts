import t from 'tap'
import { ListenerSet } from '../../../runtime/core/listener-set.js'

t.test('calls listeners in order; a throwing one is reported without the value and the rest still run', async (t) => {
  const listeners = new ListenerSet<string>()
  const seen: string[] = []
  const reported: unknown[] = []
  listeners.add((value) => seen.push(`a:${value}`))
  listeners.add(() => {
    throw new Error('broken subscriber')
  })
  const remove = listeners.add((value) => seen.push(`c:${value}`))
  listeners.emit('1', (error) => reported.push(error))
  t.strictSame(seen, ['a:1', 'c:1'])
  t.match(reported, [{ message: 'broken subscriber' }])
  remove()
  listeners.emit('2', () => undefined)
  t.strictSame(seen, ['a:1', 'c:1', 'a:2'], 'a removed listener hears nothing more')
})
