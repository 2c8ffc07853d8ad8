import t from 'tap'
import { formatHexBytes, formatHexNumber, parseHexBytes } from '../../../drivers/nfc/hex-bytes.js'

t.test('formats bytes and numbers the way the vectors write them', async (t) => {
  t.equal(formatHexBytes(Uint8Array.of(0xde, 0x0a)), 'DE 0A')
  t.equal(formatHexBytes(Uint8Array.of(0xde, 0x0a), ''), 'DE0A')
  t.equal(formatHexBytes(new Uint8Array(0)), '')
  t.equal(formatHexNumber(4, 4), '0x0004')
  t.equal(formatHexNumber(0x32), '0x32')
})

t.test('parses hex with spaces, colons, 0x prefixes or no separators', async (t) => {
  for (const text of ['DE AD', 'dead', '0xDE 0xAD', 'de:ad', ' DE\tAD\n']) {
    t.strictSame([...parseHexBytes(text)], [0xde, 0xad], JSON.stringify(text))
  }
  t.strictSame([...parseHexBytes('')], [])
})

t.test('refuses non-hex characters and odd digit counts with E_CODEC_INVALID', async (t) => {
  t.throws(() => parseHexBytes('xyz'), { code: 'E_CODEC_INVALID', message: /hex digit/ })
  t.throws(() => parseHexBytes('DE A'), { code: 'E_CODEC_INVALID', message: /odd/ })
})
