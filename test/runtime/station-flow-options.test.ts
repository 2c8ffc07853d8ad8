/**
 * A flow can require the chip (`scan_id: accept: [chip]`, docs/flows.md): a station with an NFC reader
 * loads it, one without refuses it at load (FLOW_CAPABILITY), and the bundled referral flows, which
 * accept the chip first and the QR or MRZ too, load on both.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { defaultConfig } from '../../config/defaults.js'
import { parseFlow } from '../../flows/engine/flow-validate.js'
import { stationFlowOptions } from '../../runtime/station-flow-options.js'

const FLOWS = fileURLToPath(new URL('../../flows/', import.meta.url))

function hardware(nfc: boolean) {
  const config = defaultConfig('/tmp/unused-data-dir', FLOWS)
  config.hardware.nfc.enabled = nfc
  return config.hardware
}

t.test('a flow requiring the chip loads with an NFC reader and is refused without one', async (t) => {
  const text = (await readFile(`${FLOWS}referral-mobile-id.yaml`, 'utf8')).replace(/accept: \[[^\]]*\]/, 'accept: [chip]')
  t.ok(text.includes('accept: [chip]'))
  t.strictSame(parseFlow(text, 'm.yaml', stationFlowOptions(hardware(true))).diagnostics, [])
  const refused = parseFlow(text, 'm.yaml', stationFlowOptions(hardware(false)))
  t.equal(refused.flow, undefined)
  t.match(refused.diagnostics, [{ code: 'FLOW_CAPABILITY', step: 'identify', message: /reads none of chip/ }])
})

t.test('the bundled referral flows accept the chip first and load with or without NFC', async (t) => {
  for (const id of ['referral-bank-account', 'referral-consumer-loan', 'referral-mobile-id']) {
    const text = await readFile(`${FLOWS}${id}.yaml`, 'utf8')
    for (const nfc of [true, false]) {
      const result = parseFlow(text, `${id}.yaml`, stationFlowOptions(hardware(nfc)))
      t.strictSame(result.diagnostics, [], `${id}, NFC ${nfc ? 'fitted' : 'absent'}`)
      const identify = result.flow?.steps.get(result.flow.start)
      t.match(identify, { kind: 'scan_id', accept: ['chip', 'cccd_qr', 'mrz'] })
    }
  }
})
