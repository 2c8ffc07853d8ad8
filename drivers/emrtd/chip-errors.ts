/**
 * Why a chip was refused, as a reason code on a StationError (docs/emrtd.md, "Refusals"): a screen or a
 * log can say what happened without the chip's data. `E_CARD_INVALID` = the card or its data is not
 * acceptable; `E_DEVICE_PROTOCOL` = the conversation broke (card pulled away, secure messaging out of step).
 */
import { StationError, type ErrorContext } from '../../runtime/core/errors.js'

export type ChipRefusalReason =
  /** The chip refused the CAN or MRZ key (PACE or BAC mutual authentication failed). */
  | 'access_denied'
  /** The chip offers no access control this reader speaks. */
  | 'access_unsupported'
  /** The chip answered a secure-messaging command without a valid MAC, or not in secure messaging. */
  | 'sm_broken'
  /** The chip stopped answering (card pulled away, RF lost). */
  | 'card_lost'
  /** A file the reader needs is not on the chip. */
  | 'file_missing'
  /** A file's bytes do not parse. */
  | 'file_invalid'
  /** The chip answered a command with an error status. */
  | 'chip_error'
  // Passive authentication:
  /** EF.SOD does not parse as an ICAO LDS security object. */
  | 'sod_invalid'
  /** The SOD's signature does not verify with its document signer certificate. */
  | 'sod_signature_invalid'
  /** The document signer certificate is not signed by any configured CSCA. */
  | 'csca_unknown'
  /** The document signer or CSCA certificate was not valid at the check time. */
  | 'certificate_expired'
  /** A read data group's hash differs from the SOD's. */
  | 'dg_hash_mismatch'
  /** A read data group has no hash in the SOD (injected data). */
  | 'dg_hash_missing'
  /** An algorithm the SOD or certificate names that this reader does not support. */
  | 'algorithm_unsupported'

const PROTOCOL_REASONS = new Set<ChipRefusalReason>(['sm_broken', 'card_lost', 'chip_error'])

export function chipRefusal(reason: ChipRefusalReason, message: string, context: ErrorContext = {}, cause?: unknown): StationError {
  const code = PROTOCOL_REASONS.has(reason) ? 'E_DEVICE_PROTOCOL' : 'E_CARD_INVALID'
  return new StationError(code, message, { ...context, reason }, cause === undefined ? undefined : { cause })
}

/** The reason code of a chip refusal, or undefined for any other error. */
export function refusalReason(error: unknown): ChipRefusalReason | undefined {
  if (!(error instanceof StationError)) return undefined
  const reason = error.context['reason']
  return typeof reason === 'string' ? (reason as ChipRefusalReason) : undefined
}
