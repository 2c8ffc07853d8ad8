/**
 * Checkers for single options, taken from the option schemas (so the rule is written once): used where a
 * value is judged outside a whole config, and by their tests.
 */
import { BcmLine } from '../drivers/gpio/gpio-options.js'
import { I2cAddress } from '../drivers/i2c/i2c-options.js'
import { checkerOf } from './option-problems.js'
import { GroupName, MqttSection, StationIdOption } from './service-options.js'

export const stationId = checkerOf(StationIdOption)
export const bcmLine = checkerOf(BcmLine({ description: 'a BCM GPIO line' }))
export const i2cAddress = checkerOf(I2cAddress({ default: 0x08, description: 'a 7-bit I2C address' }))
export const topicPrefix = checkerOf(MqttSection.properties.topicPrefix)
export const groupName = checkerOf(GroupName)
