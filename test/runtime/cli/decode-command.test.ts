import t from 'tap'
import { decodeInput, DECODE_KINDS, formatDecoded } from '../../../runtime/cli/decode-command.js'
import { station } from '../../support/station-process.js'
import { loadVectors, type Vector } from '../../support/vectors.js'

/** Fixed "today" for the card date checks, so the run does not depend on the calendar. */
const TODAY = new Date(2025, 5, 1)

interface DecodeCall {
  kind: string
  inputs: string[]
}

/** How a person would type each vector on the command line; null for vectors `decode` does not cover. */
function decodeCallFor(vector: Vector): DecodeCall | null {
  const input = vector.input
  switch (vector.protocol) {
    case 'cccd':
      if (typeof input['qr'] === 'string') return { kind: 'cccd', inputs: [input['qr']] }
      if (typeof input['id'] === 'string') return { kind: 'cccd', inputs: [input['id']] }
      throw new TypeError(`cccd vector ${vector.name} has neither qr nor id`)
    case 'icao_td1': {
      const lines = input['lines']
      if (!Array.isArray(lines)) return null
      return { kind: 'mrz', inputs: lines.map(String) }
    }
    case 'vietqr':
      return typeof input['payload'] === 'string' ? { kind: 'vietqr', inputs: [input['payload']] } : null
    case 'wiegand':
      return { kind: 'wiegand', inputs: [String(input['bits'])] }
    case 'escpos': {
      const request = input['request']
      const reply = input['reply']
      if (typeof request !== 'string' || !request.startsWith('10 04') || typeof reply !== 'string') return null
      // DLE EOT n: the third byte of the request is n (ESC/POS command reference, DLE EOT).
      const n = Number.parseInt(request.split(' ')[2] ?? '', 16)
      return { kind: 'escpos-status', inputs: [String(n), reply] }
    }
    case 'pn532':
      // Frames as read off the wire; an I2C read is marked, since a busy one looks like a frame.
      if (typeof input['frame'] === 'string') return { kind: 'pn532', inputs: [input['frame']] }
      if (typeof input['i2c_read'] === 'string') return { kind: 'pn532', inputs: ['i2c', input['i2c_read']] }
      return null
    default:
      return null
  }
}

t.test('every covered vector decodes to its expected fields or fails with its expected reason', async (t) => {
  const runPerProtocol = new Map<string, number>()
  for (const vector of loadVectors()) {
    const call = decodeCallFor(vector)
    if (call === null) continue
    runPerProtocol.set(vector.protocol, (runPerProtocol.get(vector.protocol) ?? 0) + 1)
    const result = decodeInput(call.kind, call.inputs, TODAY)
    const label = `${vector.protocol}/${vector.name}`
    if (vector.valid) {
      t.match(result, { ok: true, value: vector.expected }, label)
    } else {
      t.match(result, { ok: false }, label)
      const expected = String(vector.expected['error']).toLowerCase()
      const actual = result.ok ? '' : result.error.toLowerCase()
      t.ok(actual.includes(expected), `${label}: '${actual}' contains '${expected}'`)
    }
  }
  for (const protocol of ['cccd', 'icao_td1', 'vietqr', 'wiegand', 'escpos', 'pn532']) {
    t.ok((runPerProtocol.get(protocol) ?? 0) >= 2, `${protocol}: ${runPerProtocol.get(protocol) ?? 0} vectors run`)
  }
})

t.test('mrz also takes the three lines as one text, and wiegand bits with spaces', async (t) => {
  const lines = ['I<UTOD231458907<<<<<<<<<<<<<<<', '7408122F1204159UTO<<<<<<<<<<<6', 'ERIKSSON<<ANNA<MARIA<<<<<<<<<<']
  t.match(decodeInput('mrz', [lines.join('\n')], TODAY), { ok: true, value: { docNumber: 'D23145890', surname: 'ERIKSSON' } })
  t.match(decodeInput('wiegand', ['1110101000001', '1011100000010'], TODAY), { ok: true, value: { facility: 212, card: 7041 } })
})

t.test('bad arguments are reported, not thrown', async (t) => {
  const unknown = decodeInput('barcode', ['123'], TODAY)
  t.match(unknown, { ok: false, error: /unknown kind 'barcode'/ })
  for (const kind of DECODE_KINDS) t.match(unknown, { error: new RegExp(kind) })
  t.match(decodeInput('vietqr', [], TODAY), { ok: false, error: /usage/ })
  t.match(decodeInput('escpos-status', ['5', '12'], TODAY), { ok: false, error: /must be 1, 2, 3 or 4/ })
  t.match(decodeInput('escpos-status', ['1', 'zz'], TODAY), { ok: false, error: /one hex byte/ })
  t.match(decodeInput('escpos-status', ['1'], TODAY), { ok: false, error: /usage/ })
  t.match(decodeInput('escpos-status', ['2', '0x16'], TODAY), { ok: true, value: { coverOpen: true } })
  t.match(decodeInput('mrz', ['only one line'], TODAY), { ok: false, error: /3 lines/ })
})

t.test('formatDecoded prints one field per line, nested objects indented and arrays joined', async (t) => {
  t.equal(
    formatDecoded({ bits: 26, card: { facility: 212, number: 7041 }, flags: ['a', 'b'], none: null }),
    'bits: 26\ncard:\n  facility: 212\n  number: 7041\nflags: a, b\nnone: null',
  )
  t.equal(formatDecoded('plain'), 'plain')
})

// The built binary, as a technician runs it; the three runs go in parallel to keep the suite quick.
t.test('station decode exits 0 with JSON for a valid input, 1 with {"error": …} for an invalid one, 1 for an unknown kind', async (t) => {
  const tampered =
    '00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA53037045405600005802VN62260822THANH TOAN HOA DON 123630467F6'
  const [valid, invalid, unknown] = await Promise.all([
    station(['decode', 'wiegand', '11101010000011011100000010', '--json']),
    station(['decode', 'vietqr', tampered, '--json']),
    station(['decode', 'barcode', '123']),
  ])
  t.equal(valid.code, 0, valid.stderr)
  t.strictSame(JSON.parse(valid.stdout), { bits: 26, facility: 212, card: 7041, raw_hex: 'D41B81' })

  t.equal(invalid.code, 1, invalid.stderr)
  t.match(JSON.parse(invalid.stdout), { error: /CRC mismatch/ })

  t.equal(unknown.code, 1)
  t.equal(unknown.stdout, '')
  t.match(unknown.stderr, /unknown kind 'barcode'.*cccd, mrz, vietqr, wiegand, escpos-status, pn532/)
})

t.test('decode apdu explains a chip trace line: instruction, SM objects, status word', async (t) => {
  t.match(decodeInput('apdu', ['>', '0CB000000D9701048E08ED6705417E96BA5500'], new Date()), {
    ok: true,
    value: { instruction: 'READ BINARY', secureMessaging: true, objects: ['DO97 Le 4', 'DO8E MAC (8 bytes)'] },
  })
  t.match(decodeInput('apdu', ['< 6300'], new Date()), { ok: true, value: { status: 'authentication_failed' } })
  t.match(decodeInput('apdu', ['< zz'], new Date()), { ok: false })
})
