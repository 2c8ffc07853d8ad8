/** The NFC reader's options: a PN532 on I2C or on its HSU serial interface (card UID only). */
import { Type, type StaticDecode } from '@sinclair/typebox'
import { I2cAddress, I2cBusNumber } from '../i2c/i2c-options.js'
import { BaudRate, SerialPath } from '../serial/serial-options.js'

export const NfcOptions = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'false: no NFC reader fitted' }),
    kind: Type.Literal('pn532', { default: 'pn532', description: 'a PN532 reader (card UID only: reading the CCCD chip needs BAC keys)' }),
    interface: Type.Union([Type.Literal('i2c'), Type.Literal('hsu')], {
      default: 'i2c',
      description: "'i2c' (address 0x24) or 'hsu' (UART at `path`, 115200 baud)",
    }),
    bus: I2cBusNumber({ default: 1 }),
    address: I2cAddress({ default: 0x24, description: 'I2C address (interface i2c)' }),
    path: SerialPath({ default: '/dev/serial/by-id/usb-nfc', description: 'serial device (interface hsu)' }),
    baudRate: BaudRate({ default: 115200 }),
    pollIntervalMs: Type.Integer({ minimum: 20, maximum: 10_000, default: 250, description: 'pause between card polls (InListPassiveTarget)' }),
    holdMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 2000, description: 'the same card within this long counts once' }),
  },
  { additionalProperties: false },
)

export type NfcConfig = StaticDecode<typeof NfcOptions>
