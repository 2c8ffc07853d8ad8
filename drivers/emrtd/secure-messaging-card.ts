/**
 * Secure messaging, card side (ICAO 9303 Part 11 §9.8; docs/emrtd.md, "Secure messaging"): what the
 * simulated chip does with a protected command and how it protects its answer. The mirror of
 * secure-messaging.ts, sharing its cipher, MAC and padding.
 */
import { findTlv, readTlvs, encodeTlv, type Tlv } from './ber-tlv.js'
import { concatBytes, equalBytes } from './bytes.js'
import { parseCommand, type CommandApdu } from './apdu.js'
import { chipRefusal } from './chip-errors.js'
import { dataObject, incrementSsc, paddedSmHeader, smDecrypt, smMac, type SmSession } from './secure-messaging.js'

export interface OpenedCommand {
  readonly command: CommandApdu
  readonly ssc: Uint8Array
}

function raw(bytes: Uint8Array, tlv: Tlv | undefined): Uint8Array {
  return tlv === undefined ? new Uint8Array(0) : bytes.subarray(tlv.start, tlv.end)
}

/** Checks a protected command's MAC and opens it; throws `sm_broken` (the chip answers 6988) when it fails. */
export function unwrapCommand(session: SmSession, apdu: Uint8Array): OpenedCommand {
  const ssc = incrementSsc(session.ssc)
  const protectedCommand = parseCommand(apdu)
  if ((protectedCommand.cla & 0x0c) !== 0x0c) throw chipRefusal('sm_broken', 'command is not in secure messaging')
  const body = protectedCommand.data ?? new Uint8Array(0)
  let objects: Tlv[]
  try {
    objects = readTlvs(body)
  } catch (error) {
    throw chipRefusal('sm_broken', 'protected command does not parse', {}, error)
  }
  const do87 = objects.find((tlv) => tlv.tag === 0x87)
  const do97 = objects.find((tlv) => tlv.tag === 0x97)
  const do8e = objects.find((tlv) => tlv.tag === 0x8e)
  if (do8e === undefined) throw chipRefusal('sm_broken', 'protected command has no MAC')
  const header = { cla: protectedCommand.cla & ~0x0c, ins: protectedCommand.ins, p1: protectedCommand.p1, p2: protectedCommand.p2 }
  const mac = smMac(session, ssc, concatBytes(paddedSmHeader(session, header), raw(body, do87), raw(body, do97)))
  if (!equalBytes(mac, do8e.value)) throw chipRefusal('sm_broken', 'protected command MAC does not verify')
  const command: CommandApdu = {
    ...header,
    ...(do87 === undefined ? {} : { data: smDecrypt(session, ssc, do87.value.subarray(1)) }),
    ...(do97 === undefined ? {} : { le: do97.value[0] === 0 || do97.value.length === 0 ? 256 : (do97.value[0] ?? 256) }),
  }
  return { command, ssc }
}

/** Protects an answer: [DO87] DO99 DO8E 9000, with the counter after the command's. */
export function wrapResponse(session: SmSession, commandSsc: Uint8Array, data: Uint8Array, sw: number): { response: Uint8Array; ssc: Uint8Array } {
  const ssc = incrementSsc(commandSsc)
  const do87 = data.length > 0 ? dataObject(session, ssc, data) : new Uint8Array(0)
  const do99 = encodeTlv(0x99, Uint8Array.of(sw >> 8, sw & 0xff))
  const mac = smMac(session, ssc, concatBytes(do87, do99))
  return { response: concatBytes(do87, do99, encodeTlv(0x8e, mac), Uint8Array.of(0x90, 0x00)), ssc }
}

/** For tests and the decoder: whether a response carries DO99 (was protected). */
export function isProtectedResponse(data: Uint8Array): boolean {
  try {
    return findTlv(data, 0x99) !== undefined
  } catch {
    return false
  }
}
