import t from 'tap'
import { pn532ApduTransceive } from '../../../drivers/nfc/pn532-apdu-transceive.js'
import type { Pn532Command } from '../../../drivers/nfc/pn532-commands.js'
import type { Pn532Transport } from '../../../drivers/nfc/pn532-transport.js'

/** A transport that answers InDataExchange from a script and records what it was sent. */
function scripted(answers: number[][]) {
  const sent: Pn532Command[] = []
  const transport: Pn532Transport = {
    description: 'script',
    exchange: async (command) => {
      sent.push(command)
      return Uint8Array.from(answers.shift() ?? [0x41, 0x01])
    },
  }
  return { transport, sent }
}

t.test('one APDU in one InDataExchange: D4 40 Tg APDU → D5 41 00 R-APDU', async (t) => {
  const { transport, sent } = scripted([[0x41, 0x00, 0x90, 0x00]])
  const response = await pn532ApduTransceive(transport, { tg: 1, timeoutMs: 500 })(Uint8Array.of(0x00, 0x84, 0x00, 0x00, 0x08))
  t.same([...response], [0x90, 0x00])
  t.equal(sent[0]?.code, 0x40)
  t.same([...(sent[0]?.params ?? [])], [0x01, 0x00, 0x84, 0x00, 0x00, 0x08])
})

t.test('status bit 0x40 (MI): the answer continues with 40 Tg and is appended', async (t) => {
  const { transport, sent } = scripted([[0x41, 0x40, 0xaa, 0xbb], [0x41, 0x00, 0xcc, 0x90, 0x00]])
  const response = await pn532ApduTransceive(transport, { tg: 1, timeoutMs: 500 })(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x00))
  t.same([...response], [0xaa, 0xbb, 0xcc, 0x90, 0x00])
  t.same([...(sent[1]?.params ?? [])], [0x01])
})

t.test('a PN532 error status (card gone) rejects with E_DEVICE_PROTOCOL', async (t) => {
  const { transport } = scripted([[0x41, 0x29]])
  await t.rejects(pn532ApduTransceive(transport, { tg: 1, timeoutMs: 500 })(Uint8Array.of(0, 0xb0, 0, 0, 4)), {
    code: 'E_DEVICE_PROTOCOL',
    context: { status: '0x29' },
  })
})
