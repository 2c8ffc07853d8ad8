import t from 'tap'
import { StationError } from '../../runtime/core/errors.js'
import { createSilentLogger, IDENTITY_FIELDS } from '../../runtime/log.js'
import { captureLog } from '../support/capture-log.js'

const CENSORED = '[redacted]'
const PERSON = { citizenId: '079203000001', name: 'Nguyễn Văn An', address: '12 Lê Lợi, Quận 1', personalId: '079203000001' }

t.test('identity fields at the top level are censored and the rest is kept', async (t) => {
  const { log, lines } = captureLog()
  log.info({ ...PERSON, flow: 'security-feedback', step: 'confirm' }, 'submission queued')
  t.match(lines[0], {
    citizenId: CENSORED,
    name: CENSORED,
    address: CENSORED,
    personalId: CENSORED,
    flow: 'security-feedback',
    step: 'confirm',
    msg: 'submission queued',
  })
})

t.test('identity fields one, two and three levels down are censored', async (t) => {
  const { log, lines } = captureLog()
  log.warn({ resident: PERSON, submission: { answers: PERSON }, session: { card: { holder: PERSON } } }, 'nested')
  const line = lines[0] as Record<string, Record<string, Record<string, Record<string, unknown>>>>
  const censoredPerson = { citizenId: CENSORED, name: CENSORED, address: CENSORED, personalId: CENSORED }
  t.strictSame(line['resident'], censoredPerson)
  t.strictSame(line['submission']?.['answers'], censoredPerson)
  t.strictSame(line['session']?.['card']?.['holder'], censoredPerson)
})

t.test('no identity value reaches the output in any of these shapes', async (t) => {
  const { log, lines } = captureLog()
  log.info({ citizenId: PERSON.citizenId })
  log.info({ a: { dob: '2003-08-15' } })
  log.info({ a: { b: { qr: '079203000001|025000001|Nguyễn Văn An' } } })
  log.info({ a: { b: { c: { mrz: 'IDVNM2030000018079203000001<<8' } } } })
  log.info({ identity: { kind: 'cccd' } })
  const text = JSON.stringify(lines)
  for (const secret of ['079203000001', '2003-08-15', 'Nguyễn', 'IDVNM', 'cccd']) t.notMatch(text, secret)
  t.ok(IDENTITY_FIELDS.includes('citizenId'))
})

t.test('redaction leaves the logged object itself untouched', async (t) => {
  const { log } = captureLog()
  const resident = { name: 'Nguyễn Văn An' }
  const fields = { resident, citizenId: '079203000001' }
  log.info(fields, 'check')
  t.equal(resident.name, 'Nguyễn Văn An')
  t.equal(fields.citizenId, '079203000001')
})

t.test('a StationError logged under err keeps its code and message', async (t) => {
  const { log, lines } = captureLog()
  log.error({ err: new StationError('E_SERIAL_IO', 'scanner unplugged', { path: '/dev/ttyACM0' }) }, 'scanner lost')
  t.match(lines[0], { level: 50, err: { code: 'E_SERIAL_IO', message: 'scanner unplugged', context: { path: '/dev/ttyACM0' } } })
})

t.test('lines below the configured level are not written', async (t) => {
  const { log, lines } = captureLog('warn')
  log.info('quiet')
  log.warn('loud')
  t.strictSame(
    lines.map((line) => line['msg']),
    ['loud'],
  )
  t.equal(createSilentLogger().isLevelEnabled('fatal'), false, 'the silent logger writes nothing')
})
