import { fileURLToPath } from 'node:url'
import t from 'tap'
import { buildReceipt } from '../../../flows/engine/build-receipt.js'
import { loadFlowsDir } from '../../../flows/engine/flow-folder.js'

const FLOWS_DIR = fileURLToPath(new URL('../../../flows/', import.meta.url))

const STATION: Record<string, string> = {
  'station.id': 'hcm-q1-001',
  'station.site': 'Trạm DVC - 5 Đường Thử, Quận 9',
  'station.agency': 'UBND Phường Thử Nghiệm',
  date: '20/01/2026',
  time: '14:05',
}

t.test('every receipt and slip of every bundled flow is headed by agency, site, station and Vietnam date, in both languages', async (t) => {
  const { flows } = await loadFlowsDir(FLOWS_DIR)
  t.equal(flows.size, 9)
  let printing = 0
  for (const flow of flows.values()) {
    for (const step of flow.steps.values()) {
      if (step.kind !== 'print' && step.kind !== 'pay_qr') continue
      printing++
      for (const language of ['vi', 'en'] as const) {
        const receipt = buildReceipt(step.template, language, (reference) => STATION[reference])
        const texts = receipt.lines.flatMap((line) => (line.kind === 'text' ? [line.text] : []))
        t.strictSame(
          texts.slice(0, 4),
          ['UBND Phường Thử Nghiệm', 'Trạm DVC - 5 Đường Thử, Quận 9', language === 'vi' ? 'Trạm hcm-q1-001' : 'Station hcm-q1-001', language === 'vi' ? 'Ngày giờ: 20/01/2026 14:05' : 'Date: 20/01/2026 14:05'],
          `${flow.id}.${step.id} (${language})`,
        )
        t.equal(texts.filter((text) => text.includes('hcm-q1-001')).length, 1, `${flow.id}.${step.id}: the station is named once, in the head`)
        t.equal(texts.filter((text) => text.includes('20/01/2026')).length, 1, `${flow.id}.${step.id}: the date once, in the head`)
      }
    }
  }
  t.ok(printing >= 12, `${printing} receipts and slips checked`)
})

t.test('a station without site and agency prints the station and the date only', async (t) => {
  const receipt = buildReceipt([{ kind: 'text', text: 'X' }], 'en', (reference) => (reference === 'station.site' || reference === 'station.agency' ? undefined : STATION[reference]))
  t.strictSame(receipt.lines, [
    { kind: 'text', align: 'center', text: 'Station hcm-q1-001' },
    { kind: 'text', align: 'center', text: 'Date: 20/01/2026 14:05' },
    { kind: 'rule' },
    { kind: 'text', text: 'X' },
  ])
})
