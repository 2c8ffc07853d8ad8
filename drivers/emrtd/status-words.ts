/**
 * ISO/IEC 7816-4 status words an eMRTD reader meets, with what each means for the reader
 * (docs/emrtd.md, "Status words"). Used by the chip session to decide, and by the trace decoder to explain.
 */
import { formatHexNumber } from '../nfc/hex-bytes.js'

export interface StatusWordInfo {
  readonly name: string
  readonly meaning: string
}

const EXACT: ReadonlyMap<number, StatusWordInfo> = new Map([
  [0x9000, { name: 'ok', meaning: 'normal processing' }],
  [0x6282, { name: 'end_of_file', meaning: 'end of file reached before Le bytes' }],
  [0x6300, { name: 'authentication_failed', meaning: 'authentication failed: wrong CAN or MRZ key' }],
  [0x6700, { name: 'wrong_length', meaning: 'wrong length: lower Le' }],
  [0x6982, { name: 'security_status_not_satisfied', meaning: 'security status not satisfied: needs BAC/PACE (or EAC)' }],
  [0x6983, { name: 'authentication_blocked', meaning: 'authentication method blocked' }],
  [0x6984, { name: 'reference_data_unusable', meaning: 'reference data not usable' }],
  [0x6985, { name: 'conditions_not_satisfied', meaning: 'conditions of use not satisfied: command out of sequence' }],
  [0x6986, { name: 'command_not_allowed', meaning: 'command not allowed (no current EF)' }],
  [0x6987, { name: 'sm_objects_missing', meaning: 'expected secure-messaging data objects missing' }],
  [0x6988, { name: 'sm_objects_incorrect', meaning: 'secure-messaging data objects incorrect: MAC or SSC out of step' }],
  [0x6A80, { name: 'wrong_data', meaning: 'incorrect parameters in the data field' }],
  [0x6A82, { name: 'file_not_found', meaning: 'file or application not found' }],
  [0x6A86, { name: 'wrong_p1p2', meaning: 'incorrect parameters P1-P2' }],
  [0x6A88, { name: 'reference_not_found', meaning: 'referenced data not found' }],
  [0x6B00, { name: 'wrong_parameters', meaning: 'wrong parameters P1-P2: offset beyond the file' }],
  [0x6D00, { name: 'ins_not_supported', meaning: 'instruction not supported' }],
  [0x6E00, { name: 'cla_not_supported', meaning: 'class not supported' }],
  [0x6F00, { name: 'no_diagnosis', meaning: 'no precise diagnosis' }],
])

/** Name and meaning of a status word; ranges 61xx, 6Cxx and 63Cx carry a number. */
export function describeStatusWord(sw: number): StatusWordInfo {
  const exact = EXACT.get(sw)
  if (exact !== undefined) return exact
  const sw1 = sw >> 8
  const sw2 = sw & 0xff
  if (sw1 === 0x61) return { name: 'more_data', meaning: `${sw2 === 0 ? 256 : sw2} more bytes: GET RESPONSE` }
  if (sw1 === 0x6c) return { name: 'wrong_le', meaning: `wrong Le: exactly ${sw2 === 0 ? 256 : sw2} bytes available` }
  if ((sw & 0xfff0) === 0x63c0) return { name: 'retries_left', meaning: `verification failed, ${sw2 & 0x0f} tries left` }
  return { name: 'unknown', meaning: `status ${formatHexNumber(sw, 4)}` }
}
