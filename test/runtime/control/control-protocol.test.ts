import t from 'tap'
import {
  createLineSplitter,
  encodeMessage,
  MAX_LINE_BYTES,
  parseRequest,
  parseResponse,
} from '../../../runtime/control/control-protocol.js'

t.test('a request survives encode and parse; args default to an empty object', async (t) => {
  const line = encodeMessage({ id: 7, cmd: 'sim.press', args: { key: 'ok' } })
  t.ok(line.endsWith('\n'))
  t.equal(line.indexOf('\n'), line.length - 1, 'exactly one newline, at the end')
  t.strictSame(parseRequest(line.trim()), { id: 7, cmd: 'sim.press', args: { key: 'ok' } })
  t.strictSame(parseRequest('{"id":1,"cmd":"status"}'), { id: 1, cmd: 'status', args: {} })
  t.strictSame(parseRequest('{"id":1,"cmd":"status","args":null}'), { id: 1, cmd: 'status', args: {} })
})

t.test('parseRequest names what is wrong with a malformed request', async (t) => {
  const cases: Array<[string, string]> = [
    ['not json', 'request is not JSON'],
    ['{"id":1,"cmd":"status"', 'request is not JSON'],
    ['null', 'request must be an object'],
    ['"status"', 'request must be an object'],
    ['42', 'request must be an object'],
    ['{"cmd":"status"}', 'request.id must be an integer'],
    ['{"id":"1","cmd":"status"}', 'request.id must be an integer'],
    ['{"id":1.5,"cmd":"status"}', 'request.id must be an integer'],
    ['[1,"status"]', 'request.id must be an integer'],
    ['{"id":1}', 'request.cmd must be a non-empty string'],
    ['{"id":1,"cmd":""}', 'request.cmd must be a non-empty string'],
    ['{"id":1,"cmd":3}', 'request.cmd must be a non-empty string'],
    ['{"id":1,"cmd":"sim.press","args":["ok"]}', 'request.args must be an object'],
    ['{"id":1,"cmd":"sim.press","args":"ok"}', 'request.args must be an object'],
  ]
  for (const [line, reason] of cases) t.equal(parseRequest(line), reason, line)
})

t.test('parseResponse accepts both kinds of response and nothing else', async (t) => {
  t.strictSame(parseResponse('{"id":1,"ok":true,"result":{"rows":[]}}'), { id: 1, ok: true, result: { rows: [] } })
  t.strictSame(parseResponse(encodeMessage({ id: 2, ok: false, error: { code: 'E_CONTROL_REQUEST', message: 'no' } })), {
    id: 2,
    ok: false,
    error: { code: 'E_CONTROL_REQUEST', message: 'no' },
  })
  for (const line of ['', 'junk', 'null', '{"ok":true}', '{"id":1}', '{"id":"1","ok":true}', '{"id":1,"ok":"yes"}']) {
    t.equal(parseResponse(line), null, JSON.stringify(line))
  }
})

function splitter() {
  const lines: string[] = []
  let overflows = 0
  const split = createLineSplitter(
    (line) => lines.push(line),
    () => (overflows += 1),
  )
  return { split, lines, overflows: () => overflows }
}

t.test('the line splitter joins a line split across chunks', async (t) => {
  const { split, lines } = splitter()
  split('{"id":1,')
  t.strictSame(lines, [], 'nothing until the newline')
  split('"cmd":"st')
  split('atus"}\n')
  t.strictSame(lines, ['{"id":1,"cmd":"status"}'])
})

t.test('the line splitter delivers several lines from one chunk and keeps the tail', async (t) => {
  const { split, lines } = splitter()
  split('one\ntwo\r\n\n  \nthree\nfou')
  t.strictSame(lines, ['one', 'two', 'three'], 'CR and blank lines dropped')
  split('r\n')
  t.strictSame(lines, ['one', 'two', 'three', 'four'])
})

t.test('the line splitter refuses a runaway line and recovers afterwards', async (t) => {
  const { split, lines, overflows } = splitter()
  const quarter = 'x'.repeat(MAX_LINE_BYTES / 4)
  for (let i = 0; i < 4; i++) split(quarter)
  t.equal(overflows(), 0, 'exactly MAX_LINE_BYTES is still buffered')
  split('x')
  t.equal(overflows(), 1, 'one byte more is refused')
  t.strictSame(lines, [])
  split('\n{"id":2}\n')
  t.strictSame(lines, ['{"id":2}'], 'the next line after the overflow comes through')

  split('y'.repeat(MAX_LINE_BYTES + 10))
  t.equal(overflows(), 2, 'one huge chunk without a newline overflows too')
})
