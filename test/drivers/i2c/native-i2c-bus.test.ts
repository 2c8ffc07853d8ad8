import { join } from 'node:path'
import t from 'tap'
import type { PromisifiedBus } from 'i2c-bus'
import { mapI2cError, NativeI2cBus, openNativeI2cBus } from '../../../drivers/i2c/native-i2c-bus.js'
import { StationError } from '../../../runtime/core/errors.js'
import { testDir } from '../../support/test-dir.js'

/** An errno error shaped like the ones the i2c-bus addon (Nan::ErrnoException) throws. */
function errnoError(code: string, errno: number): Error {
  return Object.assign(new Error(`${code}, remote I/O error`), { code, errno, syscall: 'readI2cBlock' })
}

t.test('refuses to open a bus whose device node is missing, naming the node and the i2c group', async (t) => {
  const deviceDir = testDir(t, {})
  await t.rejects(openNativeI2cBus(1, { deviceDir }), {
    code: 'E_DEVICE_ABSENT',
    message: /i2c-1 .*group i2c/,
    context: { node: join(deviceDir, 'i2c-1'), errno: 'ENOENT' },
  })
})

t.test('reports a missing or unbuilt i2c-bus module as E_DEVICE_ABSENT', async (t) => {
  const deviceDir = testDir(t, { 'i2c-3': '' })
  // As on a machine where the optional native build failed: the import itself throws.
  const loadModule = () => Promise.reject(new Error("Cannot find module 'i2c-bus'"))
  await t.rejects(openNativeI2cBus(3, { deviceDir, loadModule }), {
    code: 'E_DEVICE_ABSENT',
    message: 'i2c-bus native module not installed',
  })
})

t.test('rejects a bus number that is not a non-negative integer', async (t) => {
  await t.rejects(openNativeI2cBus(-1), TypeError)
  await t.rejects(openNativeI2cBus(1.5), TypeError)
})

t.test('maps ENXIO and EREMOTEIO to E_I2C_NACK, keeping context, errno and cause', async (t) => {
  for (const [code, errno] of [
    ['EREMOTEIO', 121],
    ['ENXIO', 6],
  ] as const) {
    const original = errnoError(code, errno)
    const mapped = mapI2cError(original, { address: 0x5a, register: 0 })
    t.equal(mapped.code, 'E_I2C_NACK', code)
    t.strictSame(mapped.context, { address: 0x5a, register: 0, errno: code })
    t.equal(mapped.cause, original)
    t.match(mapped.message, /0x5a/)
  }
})

t.test('maps EIO, ETIMEDOUT and anything else to E_I2C_IO', async (t) => {
  t.equal(mapI2cError(errnoError('EIO', 5), {}).code, 'E_I2C_IO')
  t.equal(mapI2cError(errnoError('ETIMEDOUT', 110), {}).context['errno'], 'ETIMEDOUT')
  const odd = mapI2cError(new Error('Invalid I2C address 300'), { address: 0x27 })
  t.equal(odd.code, 'E_I2C_IO')
  t.equal(odd.context['errno'], null)
  t.equal(mapI2cError('a string', {}).code, 'E_I2C_IO')
})

t.test('recognises errors that carry only a numeric errno, positive or negative', async (t) => {
  t.equal(mapI2cError(Object.assign(new Error('x'), { errno: 121 }), {}).code, 'E_I2C_NACK')
  t.equal(mapI2cError(Object.assign(new Error('x'), { errno: -6 }), {}).context['errno'], 'ENXIO')
  t.equal(mapI2cError(Object.assign(new Error('x'), { errno: -110 }), {}).context['errno'], 'ETIMEDOUT')
})

t.test('returns a StationError unchanged', async (t) => {
  const error = new StationError('E_I2C_NACK', 'gone', { address: 0x27 })
  t.equal(mapI2cError(error, { address: 0x3f }), error)
})

/** The part of i2c-bus's PromisifiedBus the adapter uses, recording calls; `fail` makes the next call throw. */
function fakeBus() {
  const calls: unknown[][] = []
  let fail: Error | undefined
  const take = () => {
    const error = fail
    fail = undefined
    if (error) throw error
  }
  const bus = {
    async i2cWrite(address: number, length: number, buffer: Buffer) {
      take()
      calls.push(['i2cWrite', address, length, [...buffer]])
      return { bytesWritten: length, buffer }
    },
    async i2cRead(address: number, length: number, buffer: Buffer) {
      take()
      calls.push(['i2cRead', address, length])
      buffer.fill(0x42, 0, length)
      return { bytesRead: length, buffer }
    },
    async writeI2cBlock(address: number, command: number, length: number, buffer: Buffer) {
      take()
      calls.push(['writeI2cBlock', address, command, length, [...buffer]])
      return { bytesWritten: length, buffer }
    },
    async readI2cBlock(address: number, command: number, length: number, buffer: Buffer) {
      take()
      calls.push(['readI2cBlock', address, command, length])
      buffer.fill(0x24, 0, length)
      return { bytesRead: length === 3 ? 2 : length, buffer }
    },
    async close() {
      calls.push(['close'])
    },
  }
  return {
    calls,
    failNext(error: Error) {
      fail = error
    },
    bus: bus as unknown as PromisifiedBus,
  }
}

t.test('maps I2cBus calls onto i2c-bus block and plain transfers', async (t) => {
  const fake = fakeBus()
  const bus = new NativeI2cBus(fake.bus)
  await bus.write(0x27, Uint8Array.of(0x3c, 0x38))
  t.strictSame([...(await bus.read(0x27, 1))], [0x42])
  await bus.writeRegister(0x5a, 0x5e, Uint8Array.of(0x8f))
  t.strictSame([...(await bus.readRegister(0x5a, 0x5d, 1))], [0x24])
  await bus.close()
  t.strictSame(fake.calls, [
    ['i2cWrite', 0x27, 2, [0x3c, 0x38]],
    ['i2cRead', 0x27, 1],
    ['writeI2cBlock', 0x5a, 0x5e, 1, [0x8f]],
    ['readI2cBlock', 0x5a, 0x5d, 1],
    ['close'],
  ])
})

t.test('wraps addon errors and short reads, and keeps argument errors as TypeErrors', async (t) => {
  const fake = fakeBus()
  const bus = new NativeI2cBus(fake.bus)
  fake.failNext(errnoError('EREMOTEIO', 121))
  await t.rejects(bus.readRegister(0x5a, 0, 2), {
    code: 'E_I2C_NACK',
    context: { address: 0x5a, register: 0, errno: 'EREMOTEIO' },
  })
  await t.rejects(bus.readRegister(0x5a, 0, 3), { code: 'E_I2C_IO', context: { expected: 3, actual: 2 } })
  await t.rejects(bus.write(0x78, Uint8Array.of(0)), TypeError)
  await t.rejects(bus.readRegister(0x5a, 0, 33), TypeError)
  t.strictSame(
    fake.calls.map((call) => call[0]),
    ['readI2cBlock'],
    'invalid arguments never reach the addon',
  )
})
