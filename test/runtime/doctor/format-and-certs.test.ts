import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { certificateExpiryCheck, certificatesInPem, validityOf } from '../../../runtime/doctor/certificate-expiry.js'
import { formatChecks, wrap } from '../../../runtime/doctor/format-checks.js'
import { systemDoctorIo } from '../../../runtime/doctor/system-doctor-io.js'
import { testDir } from '../../support/test-dir.js'

const DAY_MS = 86_400_000

t.test('certificate expiry: pass beyond 30 days, warn under, fail expired or not yet valid', async (t) => {
  const now = Date.parse('2026-06-01T00:00:00Z')
  const cert = (name: string, days: number) => ({ name, validFromMs: now - DAY_MS, validToMs: now + days * DAY_MS })
  t.match(certificateExpiryCheck('broker chain', [cert('ca', 400), cert('broker', 90)], now, 'renew'), {
    check: 'tls',
    status: 'pass',
    summary: 'broker chain valid: broker expires in 90 days',
  })
  t.match(certificateExpiryCheck('broker chain', [cert('ca', 400), cert('broker', 29)], now, 'renew'), {
    status: 'warn',
    summary: 'broker chain: broker expires in 29 days',
    fix: 'renew',
  })
  t.match(certificateExpiryCheck('x', [cert('one', 1.5)], now, 'renew'), { summary: /expires in 1 day$/ })
  t.match(certificateExpiryCheck('x', [cert('old', -1)], now, 'renew'), { status: 'fail', summary: 'x: old has expired' })
  t.match(certificateExpiryCheck('x', [{ name: 'early', validFromMs: now + DAY_MS, validToMs: now + 400 * DAY_MS }], now, 'renew'), {
    status: 'fail',
    summary: /not valid yet/,
    fix: /NTP/,
  })
  t.match(certificateExpiryCheck('x', [], now, 'renew'), { status: 'fail', summary: 'x: no certificate found' })
})

t.test('certificates are read from PEM bundles with their CN and dates', async (t) => {
  const dir = testDir(t, {})
  const pem = join(dir, 'c.pem')
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k'), '-out', pem, '-days', '10', '-subj', '/O=Test/CN=bundle-ca'])
  const text = await readFile(pem, 'utf8')
  const certs = certificatesInPem(`${text}\n${text}`)
  t.equal(certs.length, 2)
  const validity = validityOf(certs[0] as NonNullable<(typeof certs)[0]>)
  t.equal(validity.name, 'bundle-ca')
  t.ok(Math.abs(validity.validToMs - Date.now() - 10 * DAY_MS) < DAY_MS, 'valid for ten days')
  t.strictSame(certificatesInPem('not a certificate'), [])
})

t.test('format: status, name, summary; details and fix indented; every line within 80 columns', async (t) => {
  const long = '/dev/serial/by-id/usb-Prolific_Technology_Inc._USB-Serial_Controller_PRN0001-if00-port0'
  const text = formatChecks([
    { check: 'node', status: 'pass', summary: 'Node v20.1.0' },
    { check: 'device', status: 'fail', summary: `printer: ${long} is missing`, fix: 'plug it in; check the udev rule, ls -l /dev/serial/by-id/' },
    { check: 'config', status: 'fail', summary: 'config f has 2 problems:', details: ['station.id: must be 3 to 40 characters', 'b'], fix: 'fix each' },
    { check: 'clock', status: 'warn', summary: 'not synchronised', fix: 'timedatectl set-ntp true' },
  ])
  const lines = text.split('\n')
  t.equal(lines[0], 'pass node     Node v20.1.0')
  t.equal(lines[1], 'fail device   printer:')
  t.ok(lines.every((line) => line.length <= 80), 'no line beyond 80 columns')
  t.match(text, /\n {14}fix: plug it in; check the udev rule, ls -l \/dev\/serial\/by-id\/\n/)
  t.match(text, /\n {14}- station\.id: must be 3 to 40 characters\n {14}- b\n {14}fix: fix each\n/)
  t.equal(lines.at(-1), '1 pass, 1 warn, 2 fail')
  t.strictSame(wrap('', 'x ', '  '), ['x '])
  t.strictSame(wrap('aaaa bbbb', '', '', 4), ['aaaa', 'bbbb'])
  t.strictSame(wrap('abcdefghij', '> ', '  ', 6), ['> abcd', '  efgh', '  ij'])
})

t.test('system io: runs programs without a shell, tells a missing program from a failing one', async (t) => {
  const io = systemDoctorIo()
  t.strictSame(await io.exec('sh', ['-c', 'echo out; echo err >&2; exit 3'], 5000), { kind: 'exited', code: 3, stdout: 'out\n', stderr: 'err\n' })
  t.strictSame(await io.exec('sh', ['-c', 'echo fine'], 5000), { kind: 'exited', code: 0, stdout: 'fine\n', stderr: '' })
  t.strictSame(await io.exec('no-such-program-here', [], 5000), { kind: 'missing' })
  t.match(await io.exec('sleep', ['5'], 100), { kind: 'exited', code: -1 }, 'a timeout kills it')
  const dir = testDir(t, { f: 'x' })
  t.equal((await io.readFile(join(dir, 'f'))).toString(), 'x')
  await io.access(join(dir, 'f'), 0)
  t.ok((await io.statfs(dir)).bsize > 0)
  t.ok(Math.abs(io.nowMs() - Date.now()) < 1000)
})
