import t from 'tap'
import { maskIdentity } from '../../../flows/engine/identity.js'

t.test('masks a 12-digit personal number to its first three and last two digits', async (t) => {
  t.equal(maskIdentity({ source: 'cccd_qr', personalId: '079203000001', name: 'Nguyễn Văn An' }), '079*******01')
  t.equal(maskIdentity({ source: 'mrz', personalId: '001088012345' }), '001*******45')
})

t.test('masks a card UID when there is no personal number, and short identifiers almost entirely', async (t) => {
  t.equal(maskIdentity({ source: 'nfc', personalId: null, cardUid: '04A1B2C3D4E5F6' }), '04A*********F6')
  t.equal(maskIdentity({ source: 'nfc', personalId: null, cardUid: '1A2B3C' }), '****3C')
  t.equal(maskIdentity({ source: 'nfc', personalId: null, cardUid: '7F' }), '**')
  t.equal(maskIdentity({ source: 'nfc', personalId: null }), '')
})
