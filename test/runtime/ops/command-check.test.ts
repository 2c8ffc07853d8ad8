import t from 'tap'
import { checkCommand, type ArgsParser, type CommandCheckContext } from '../../../runtime/ops/command-check.js'

const NOW = Date.UTC(2026, 11, 2, 3, 0, 0)
const onOff: ArgsParser = (args) => (typeof args.on === 'boolean' ? { ok: true, value: { on: args.on } } : { ok: false, message: 'needs on' })
const context = (over: Partial<CommandCheckContext> = {}): CommandCheckContext => ({
  stationId: 'lobby-1',
  topicName: 'maintenance',
  nowMs: NOW,
  maxSkewS: 300,
  seen: () => false,
  commands: new Map([['maintenance', onOff], ['ping', () => ({ ok: true, value: {} })]]),
  ...over,
})
const body = (over: Record<string, unknown> = {}) => ({
  station: 'lobby-1',
  name: 'maintenance',
  args: { on: true },
  issuedAt: new Date(NOW).toISOString(),
  nonce: 'abcdef0123456789',
  ...over,
})

t.test('a command for this station, named as its topic, fresh and new, is accepted with parsed args', async (t) => {
  t.same(checkCommand(body(), context()), {
    ok: true,
    command: { name: 'maintenance', nonce: 'abcdef0123456789', issuedAtMs: NOW, urgent: false, args: { on: true } },
  })
  const urgent = checkCommand(body({ urgent: true }), context())
  t.equal(urgent.ok && urgent.command.urgent, true, 'urgent is carried')
  const noArgs = checkCommand(body({ name: 'ping', args: undefined }), context({ topicName: 'ping' }))
  t.equal(noArgs.ok, true, 'absent args count as {}')
})

t.test('every way a body can be wrong has its own reason', async (t) => {
  const skewMs = 300_000
  const cases: Array<[string, unknown, Partial<CommandCheckContext>, string]> = [
    ['not an object', [1, 2], {}, 'malformed'],
    ['nonce too short', body({ nonce: 'short' }), {}, 'malformed'],
    ['nonce not a string', body({ nonce: 12345678 }), {}, 'malformed'],
    ['nonce too long', body({ nonce: 'x'.repeat(129) }), {}, 'malformed'],
    ['station not a string', body({ station: 7 }), {}, 'malformed'],
    ['issuedAt without a zone', body({ issuedAt: '2026-12-02T03:00:00' }), {}, 'malformed'],
    ['issuedAt not a date', body({ issuedAt: 'yesterday' }), {}, 'malformed'],
    ['urgent not boolean', body({ urgent: 'yes' }), {}, 'malformed'],
    ['another station', body({ station: 'lobby-2' }), {}, 'wrong-station'],
    ['name differs from the topic', body({ name: 'ping' }), {}, 'wrong-name'],
    ['older than the window', body({ issuedAt: new Date(NOW - skewMs - 1).toISOString() }), {}, 'stale'],
    ['ahead of the window', body({ issuedAt: new Date(NOW + skewMs + 1).toISOString() }), {}, 'future'],
    ['nonce seen before', body(), { seen: (nonce) => nonce === 'abcdef0123456789' }, 'replayed'],
    ['unknown command', body({ name: 'reboot' }), { topicName: 'reboot' }, 'unknown-command'],
    ['args not an object', body({ args: 'on' }), {}, 'bad-args'],
    ['args the command refuses', body({ args: { on: 'yes' } }), {}, 'bad-args'],
  ]
  for (const [what, value, over, reason] of cases) {
    const checked = checkCommand(value, context(over))
    t.equal(checked.ok ? 'accepted' : checked.reason, reason, what)
  }
})

t.test('the edges of the skew window are inside it, and a stale replay is reported stale', async (t) => {
  t.equal(checkCommand(body({ issuedAt: new Date(NOW - 300_000).toISOString() }), context()).ok, true)
  t.equal(checkCommand(body({ issuedAt: new Date(NOW + 300_000).toISOString() }), context()).ok, true)
  const stale = checkCommand(body({ issuedAt: new Date(NOW - 400_000).toISOString() }), context({ seen: () => true }))
  t.equal(!stale.ok && stale.reason, 'stale')
  t.equal(!stale.ok && stale.nonce, 'abcdef0123456789', 'a refusal after the nonce was read carries it')
})
