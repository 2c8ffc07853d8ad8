/**
 * The logger every layer takes: pino's interface, as a type only, so drivers and flows log through
 * what the station hands them without importing how the station builds it (runtime/log.ts).
 */
export type { Logger } from 'pino'
