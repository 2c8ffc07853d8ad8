import t from 'tap'
import { errnoOf, mapGpioError } from '../../../drivers/gpio/gpio-error.js'
import { StationError } from '../../../runtime/core/errors.js'

const errnoError = (code: string): Error => Object.assign(new Error(`${code}: something`), { code })

t.test('wraps library errors as E_DEVICE_ABSENT with a hint, the errno, the context and the cause', async (t) => {
  const original = errnoError('EACCES')
  const mapped = mapGpioError(original, 'export GPIO17', { bcm: 17 })
  t.equal(mapped.code, 'E_DEVICE_ABSENT')
  t.match(mapped.message, /^cannot export GPIO17: .*group gpio/)
  t.strictSame(mapped.context, { bcm: 17, errno: 'EACCES' })
  t.equal(mapped.cause, original)
  t.match(mapGpioError(errnoError('EINVAL'), 'export GPIO17', {}).message, /sysfs base/)
  t.match(mapGpioError(errnoError('EBUSY'), 'open GPIO4', {}).message, /in use/)
})

t.test('keeps the message of errors without a known errno', async (t) => {
  const mapped = mapGpioError(new Error('odd failure'), 'read GPIO4', {})
  t.equal(mapped.message, 'cannot read GPIO4: odd failure')
  t.equal(mapped.context['errno'], null)
  t.equal(mapGpioError(errnoError('EXDEV'), 'read GPIO4', {}).context['errno'], 'EXDEV')
  t.equal(mapGpioError('text', 'read GPIO4', {}).message, 'cannot read GPIO4: text')
})

t.test('returns a StationError unchanged', async (t) => {
  const error = new StationError('E_CANCELED', 'closed')
  t.equal(mapGpioError(error, 'read GPIO4', {}), error)
})

t.test('finds errno names only in code properties shaped like errnos', async (t) => {
  t.equal(errnoOf(errnoError('ENOENT')), 'ENOENT')
  t.equal(errnoOf(Object.assign(new Error('x'), { code: 'ERR_MODULE_NOT_FOUND' })), null)
  t.equal(errnoOf(null), null)
  t.equal(errnoOf('ENOENT'), null)
})
