import t from 'tap'
import { fromHex } from '../../../drivers/emrtd/bytes.js'
import { refusalReason } from '../../../drivers/emrtd/chip-errors.js'
import { paceInfos, parseCardAccess, supportedPaceInfo } from '../../../drivers/emrtd/card-access.js'
import { decodeOid, encodeOid } from '../../../drivers/emrtd/object-identifier.js'

// EF.CardAccess as open-source Vietnamese readers hard-code it for CCCDs (NghiaLio/NFC_CCCD_Reader,
// lib/src/core/nfc_constants.dart): id-TA, id-CA-ECDH-AES-CBC-CMAC-128, then the PACEInfo, third.
const CCCD_CARD_ACCESS = '3134300D060804007F0007020202020101300F060A04007F000702020302020201013012060A04007F0007020204020202010202010D'

t.test('the PACEInfo is found by OID, not by position', async (t) => {
  const infos = parseCardAccess(fromHex(CCCD_CARD_ACCESS))
  t.same(infos.map((info) => info.oid), ['0.4.0.127.0.7.2.2.2', '0.4.0.127.0.7.2.2.3.2.2', '0.4.0.127.0.7.2.2.4.2.2'])
  t.same(paceInfos(infos), [{ oid: '0.4.0.127.0.7.2.2.4.2.2', version: 2, parameterId: 13 }])
  t.same(supportedPaceInfo(infos), { oid: '0.4.0.127.0.7.2.2.4.2.2', version: 2, parameterId: 13 })
})

t.test('a PACE this reader does not speak (integrated mapping, another curve) is not offered', async (t) => {
  // id-PACE-ECDH-IM-AES-CBC-CMAC-128 (…4.6.2) on parameter 13, and GM on parameter 12 (NIST P-256).
  const bytes = fromHex('31283012060A04007F0007020204060202010202010D3012060A04007F0007020204020202010202010C')
  t.equal(supportedPaceInfo(parseCardAccess(bytes)), undefined)
  t.equal(paceInfos(parseCardAccess(bytes)).length, 2)
})

t.test('bytes that are not a SET of SecurityInfos are file_invalid', async (t) => {
  for (const hex of ['3000', '3103300102', '31053003020101']) {
    let reason: string | undefined
    try {
      parseCardAccess(fromHex(hex))
    } catch (error) {
      reason = refusalReason(error)
    }
    t.equal(reason, 'file_invalid', hex)
  }
})

t.test('object identifiers round-trip, including arcs past 127', async (t) => {
  for (const oid of ['0.4.0.127.0.7.2.2.4.2.2', '1.2.840.10045.4.3.2', '2.23.136.1.1.1', '1.0.10646.1.0.8']) {
    t.equal(decodeOid(encodeOid(oid)), oid)
  }
})
