import { EventEmitter } from 'node:events'
import t from 'tap'
import { onTerminalGone } from '../../../runtime/console/terminal-gone.js'

function terminal() {
  const stdin = new EventEmitter()
  const stdout = new EventEmitter()
  const signals = new EventEmitter()
  const seen: string[] = []
  onTerminalGone({ stdin, stdout, signals }, (why) => seen.push(why))
  return { stdin, stdout, signals, seen }
}

const eio = () => Object.assign(new Error('read EIO'), { code: 'EIO' })

t.test('each way a terminal goes away is reported', async (t) => {
  const cases: Array<[string, (term: ReturnType<typeof terminal>) => void]> = [
    ['SIGHUP', (term) => term.signals.emit('SIGHUP')],
    ['stdin-end', (term) => term.stdin.emit('end')],
    ['stdin-closed', (term) => term.stdin.emit('close')],
    ['stdin-error EIO', (term) => term.stdin.emit('error', eio())],
    ['stdout-error EIO', (term) => term.stdout.emit('error', eio())],
    ['stdout-error write after end', (term) => term.stdout.emit('error', new Error('write after end'))],
  ]
  for (const [why, happen] of cases) {
    const term = terminal()
    happen(term)
    t.same(term.seen, [why], why)
  }
})

t.test('only the first sign is reported; later errors are swallowed, not thrown', async (t) => {
  const term = terminal()
  term.signals.emit('SIGHUP')
  term.stdin.emit('error', eio())
  t.doesNotThrow(() => term.stdout.emit('error', eio()), 'an EIO on the dead terminal is no crash')
  term.stdin.emit('end')
  t.same(term.seen, ['SIGHUP'])
})
