/**
 * Forged payment confirmations (docs/delivery.md): anyone on the broker can publish on a station's
 * notify topic, so a confirmation counts only when central signed it, for this station, for the
 * bill in the session and for its exact amount. Everything else is refused with an event and the
 * resident gets no paid receipt.
 */
import { connectAsync } from 'mqtt'
import t from 'tap'
import { eventsLogged } from '../../support/station-rig.js'
import { signedNotify, testCentralKey } from '../../support/central-keys.js'
import { startProcedureRig } from '../../support/procedure-rig.js'
import { ID_NUMBER } from '../../support/sim-residents.js'

t.test('station: forged, misdirected and mismatched confirmations print no paid receipt; central\'s own does', async (t) => {
  const rig = await startProcedureRig(t)
  await rig.openProcedure('pay-bill', 'en')
  await rig.choose('3')
  await rig.press('3', '0', '0', '3', '0', '0', '0', '1', 'ok')
  await rig.waitForScreen(/OK if this is you/)
  await rig.press('ok')
  await rig.waitForScreen(/Amount: 220,000 VND/)
  await rig.press('ok')
  await rig.waitFor('the payment wait', async () => (await rig.status()).step?.step === 'paying')
  t.equal((await rig.receipt()).count, 1, 'the payment slip')

  const forger = await connectAsync(rig.brokerUrl, { protocolVersion: 5, reconnectPeriod: 0 })
  t.teardown(() => forger.endAsync())
  const topic = `cs/v1/${rig.stationId}/notify`
  const paidAt = new Date().toISOString()
  const right = { bill: 'IN-2601-0001', amount: 220000, paidAt }
  const forgeries: Array<Buffer | string> = [
    JSON.stringify({ type: 'payment.confirmed', ts: paidAt, station: rig.stationId, ...right }),
    signedNotify(testCentralKey().privateKey, rig.stationId, 'payment.confirmed', right),
    signedNotify(rig.centralKey, rig.stationId, 'payment.confirmed', { ...right, bill: 'EL-2601-0001' }),
    signedNotify(rig.centralKey, rig.stationId, 'payment.confirmed', { ...right, amount: 1 }),
    signedNotify(rig.centralKey, rig.stationId, 'payment.confirmed', { ...right, amount: '220000.5' }),
    signedNotify(rig.centralKey, 'lobby-other', 'payment.confirmed', right),
  ]
  for (const payload of forgeries) await forger.publishAsync(topic, payload, { qos: 1 })
  await rig.waitFor('every forgery refused', () =>
    eventsLogged(rig.logLines, 'inbound.refused').length + eventsLogged(rig.logLines, 'payment.refused').length === forgeries.length,
  )
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.strictSame(
    eventsLogged(rig.logLines, 'inbound.refused').map((line) => [line.kind, line.reason]),
    [['notify', 'unsigned'], ['notify', 'unknown-key'], ['notify', 'wrong-station']],
  )
  t.strictSame(
    eventsLogged(rig.logLines, 'payment.refused').map((line) => line.reason),
    ['wrong-bill', 'wrong-amount', 'wrong-amount'],
  )
  t.equal((await rig.status()).step?.step, 'paying', 'still waiting for the payment')
  t.equal((await rig.receipt()).count, 1, 'no paid receipt')
  t.notOk(rig.submissions.messages.some((m) => m.payload?.flow === 'pay-bill'), 'no payment recorded')
  const refusals = JSON.stringify([...eventsLogged(rig.logLines, 'inbound.refused'), ...eventsLogged(rig.logLines, 'payment.refused')])
  t.notOk(refusals.includes(ID_NUMBER), 'refusal events carry no personal data')

  // Central's own confirmation still ends the wait: the refusals did not end it.
  await rig.central.payBill(rig.stationId, 'IN-2601-0001')
  await rig.waitForScreen(/Paid 220,000 VND/)
  const paper = await rig.receipt()
  t.equal(paper.count, 2)
  t.match((paper.lines ?? []).join('\n'), /Paid: 220,000 VND/)
  const message = await rig.submissions.waitFor((m) => m.payload?.flow === 'pay-bill', 5000)
  t.match(message.payload.data.answers.paid, { bill: 'IN-2601-0001', amount: 220000 })
})
