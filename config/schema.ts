/**
 * The station's configuration: the type every part of the runtime receives, derived from the one
 * definition in `config/station-options.ts` (device option types come from their drivers).
 * `config/validate.ts` turns raw YAML into this (or lists every problem); nothing reads config from
 * anywhere else.
 */
import type { StaticDecode } from '@sinclair/typebox'
import type { StationOptions, HardwareSection } from './station-options.js'
import type { ControlSection, CentralSection, MqttSection, MqttTlsSection, OpsSection, SessionSection, StorageSection, LANGUAGES } from './service-options.js'

export type Config = StaticDecode<typeof StationOptions>
export type HardwareConfig = StaticDecode<typeof HardwareSection>
export type MqttConfig = StaticDecode<typeof MqttSection>
export type MqttTlsConfig = StaticDecode<typeof MqttTlsSection>
export type OpsConfig = StaticDecode<typeof OpsSection>
export type CentralTrustConfig = StaticDecode<typeof CentralSection>
export type StorageConfig = StaticDecode<typeof StorageSection>
export type SessionConfig = StaticDecode<typeof SessionSection>
export type ControlConfig = StaticDecode<typeof ControlSection>
export type Language = (typeof LANGUAGES)[number]

export type { KeyName } from '../drivers/keypad/key-names.js'
export type { KeypadConfig } from '../drivers/keypad/keypad-options.js'
export type { TouchPanelConfig, TouchZoneConfig } from '../drivers/touch/touch-options.js'
export type { DisplayConfig } from '../drivers/display/display-options.js'
export type { ScannerConfig } from '../drivers/scanner/scanner-options.js'
export type { PrinterConfig, PrinterCodepage } from '../drivers/printer/printer-options.js'
export type { NfcConfig } from '../drivers/nfc/nfc-options.js'
export type { GpioConfig, GpioBackend } from '../drivers/gpio/gpio-options.js'
export type { WiegandConfig } from '../drivers/wiegand/wiegand-options.js'
export type { TamperConfig } from '../drivers/tamper/tamper-options.js'
export type { LedsConfig, BuzzerConfig } from '../drivers/outputs/outputs-options.js'
