/**
 * A simulated eMRTD chip, card side, with real cryptography (docs/emrtd.md, "Simulated chip"): PACE
 * (ECDH generic mapping on brainpoolP256r1, AES-128) with the CAN or the MRZ, BAC with the MRZ, 3DES or
 * AES secure messaging, SELECT and READ BINARY over the LDS1 files. The reader code runs against it
 * unchanged. `removeAfter` pulls the card away mid-conversation. It answers as CCCDs are reported to:
 * SELECT MF is 6D00, a wrong key is 6300, a bad MAC is 6988 and ends secure messaging.
 */
import { StationError } from '../../runtime/core/errors.js'
import { aesCbcEncrypt } from './block-ciphers.js'
import { encodeTlv, findTlv, readTlvs } from './ber-tlv.js'
import { concatBytes, equalBytes } from './bytes.js'
import { encodeResponse, parseCommand, type CommandApdu } from './apdu.js'
import { pacePasswordBytes, type MrzAccessKey, type PacePassword } from './access-keys.js'
import { bacCryptogram, bacKeys, bacSession, openBacCryptogram } from './bac.js'
import { BrainpoolP256r1, decodePoint, encodePoint, scalarFromBytes, xCoordinate, type CurvePoint } from './brainpool-p256r1.js'
import { PACE_ECDH_GM_AES_128 } from './card-access.js'
import { decodeOid } from './object-identifier.js'
import { deriveKey, KDF_PI } from './kdf.js'
import { LDS1_AID } from './lds-files.js'
import { authenticationToken, GA_TAG, mapGenerator, paceSession } from './pace.js'
import { unwrapCommand, wrapResponse } from './secure-messaging-card.js'
import type { SmSession } from './secure-messaging.js'

/** What the simulated card holds. */
export interface SimChipCard {
  readonly can: string
  readonly mrz: MrzAccessKey
  /** EF.CardAccess in the MF; absent = the chip offers no PACE (BAC only). */
  readonly cardAccess?: Uint8Array | undefined
  readonly com: Uint8Array
  readonly sod: Uint8Array
  readonly dataGroups: ReadonlyMap<number, Uint8Array>
  /** Answer GET CHALLENGE / EXTERNAL AUTHENTICATE; default true. */
  readonly bac?: boolean
}

interface Answer {
  readonly data?: Uint8Array
  readonly sw: number
}

interface PaceState {
  readonly password: PacePassword
  nonce?: Uint8Array
  generator?: CurvePoint
  chipEphemeral?: CurvePoint
  terminalEphemeral?: CurvePoint
  session?: SmSession
}

const ok = (data?: Uint8Array): Answer => (data === undefined ? { sw: 0x9000 } : { data, sw: 0x9000 })
const status = (sw: number): Answer => ({ sw })

export class SimChip {
  readonly #card: SimChipCard
  readonly #random: (length: number) => Uint8Array
  #inApplication = false
  #selected: Uint8Array | undefined
  #selectedIsCardAccess = false
  #session: SmSession | undefined
  #pendingSession: SmSession | undefined
  #challenge: Uint8Array | undefined
  #pace: PaceState | undefined
  #present = true
  #removeIn: number | undefined
  /** APDUs answered so far. */
  apduCount = 0

  constructor(card: SimChipCard, randomBytes: (length: number) => Uint8Array) {
    this.#card = card
    this.#random = randomBytes
  }

  /** The card leaves the field: every later transceive fails, as the PN532 would. */
  remove(): void {
    this.#present = false
  }

  /** The card leaves the field after answering `count` more APDUs. */
  removeAfter(count: number): void {
    this.#removeIn = count
  }

  readonly transceive = async (apdu: Uint8Array): Promise<Uint8Array> => this.answer(apdu)

  /** The chip's answer, synchronously, for the simulated PN532 (a card's `apdu` handler in drivers/nfc/sim-pn532.ts). */
  readonly answer = (apdu: Uint8Array): Uint8Array => {
    if (this.#removeIn !== undefined && this.#removeIn-- <= 0) this.#present = false
    if (!this.#present) throw new StationError('E_DEVICE_TIMEOUT', 'simulated card is not in the field')
    this.apduCount++
    return this.#answer(apdu)
  }

  #answer(apdu: Uint8Array): Uint8Array {
    let command: CommandApdu
    try {
      command = parseCommand(apdu)
    } catch {
      return encodeResponse({ data: new Uint8Array(0), sw: 0x6700 })
    }
    const session = this.#session
    if (session !== undefined && (command.cla & 0x0c) === 0x0c) {
      let opened: ReturnType<typeof unwrapCommand>
      try {
        opened = unwrapCommand(session, apdu)
      } catch {
        this.#session = undefined
        return encodeResponse({ data: new Uint8Array(0), sw: 0x6988 })
      }
      const answer = this.#process(opened.command, true)
      const wrapped = wrapResponse(session, opened.ssc, answer.data ?? new Uint8Array(0), answer.sw)
      this.#session = { ...session, ssc: wrapped.ssc }
      return wrapped.response
    }
    // A plain command ends secure messaging (ISO/IEC 7816-4): the chip forgets its session keys.
    this.#session = undefined
    const answer = this.#process(command, false)
    const response = encodeResponse({ data: answer.data ?? new Uint8Array(0), sw: answer.sw })
    if (this.#pendingSession !== undefined) {
      this.#session = this.#pendingSession
      this.#pendingSession = undefined
    }
    return response
  }

  #process(command: CommandApdu, secured: boolean): Answer {
    switch (command.ins) {
      case 0xa4:
        return this.#select(command)
      case 0xb0:
        return this.#readBinary(command, secured)
      case 0x84:
        return this.#getChallenge()
      case 0x82:
        return this.#externalAuthenticate(command)
      case 0x22:
        return this.#mseSetAt(command)
      case 0x86:
        return this.#generalAuthenticate(command)
      default:
        return status(0x6d00)
    }
  }

  #file(fid: number): Uint8Array | undefined {
    if (fid === 0x011c) return this.#card.cardAccess
    if (!this.#inApplication) return undefined
    if (fid === 0x011e) return this.#card.com
    if (fid === 0x011d) return this.#card.sod
    return (fid & 0xff00) === 0x0100 ? this.#card.dataGroups.get(fid & 0xff) : undefined
  }

  #select(command: CommandApdu): Answer {
    const data = command.data ?? new Uint8Array(0)
    if (command.p1 === 0x04) {
      if (!equalBytes(data, LDS1_AID)) return status(0x6a82)
      this.#inApplication = true
      this.#selected = undefined
      return ok()
    }
    if (command.p1 !== 0x02 || data.length !== 2) return status(0x6d00)
    const fid = ((data[0] ?? 0) << 8) | (data[1] ?? 0)
    const file = this.#file(fid)
    if (file === undefined) return status(0x6a82)
    this.#selected = file
    this.#selectedIsCardAccess = fid === 0x011c
    return ok()
  }

  #readBinary(command: CommandApdu, secured: boolean): Answer {
    let offset = (command.p1 << 8) | command.p2
    if ((command.p1 & 0x80) !== 0) {
      const file = this.#file(0x0100 | (command.p1 & 0x1f))
      if (file === undefined) return status(0x6a82)
      this.#selected = file
      this.#selectedIsCardAccess = (command.p1 & 0x1f) === 0x1c
      offset = command.p2
    }
    const file = this.#selected
    if (file === undefined) return status(0x6986)
    if (!secured && !this.#selectedIsCardAccess) return status(0x6982)
    if (offset > file.length) return status(0x6b00)
    const le = command.le ?? 256
    const data = file.slice(offset, offset + le)
    return { data, sw: data.length < le ? 0x6282 : 0x9000 }
  }

  #getChallenge(): Answer {
    if (this.#card.bac === false) return status(0x6d00)
    this.#challenge = this.#random(8)
    return ok(this.#challenge)
  }

  #externalAuthenticate(command: CommandApdu): Answer {
    const challenge = this.#challenge
    this.#challenge = undefined
    if (challenge === undefined) return status(0x6985)
    const keys = bacKeys(this.#card.mrz)
    const plain = openBacCryptogram(keys, command.data ?? new Uint8Array(0))
    if (plain === undefined || !equalBytes(plain.subarray(8, 16), challenge)) return status(0x6300)
    const rndIfd = plain.subarray(0, 8)
    const kIc = this.#random(16)
    this.#pendingSession = bacSession(plain.subarray(16, 32), kIc, challenge, rndIfd)
    return ok(bacCryptogram(keys, concatBytes(challenge, rndIfd, kIc)))
  }

  #mseSetAt(command: CommandApdu): Answer {
    if (command.p1 !== 0xc1 || command.p2 !== 0xa4 || this.#card.cardAccess === undefined) return status(0x6a86)
    const objects = readTlvs(command.data ?? new Uint8Array(0))
    const oid = objects.find((tlv) => tlv.tag === 0x80)
    const reference = objects.find((tlv) => tlv.tag === 0x83)?.value[0]
    if (oid === undefined || decodeOid(oid.value) !== PACE_ECDH_GM_AES_128) return status(0x6a80)
    if (reference === 2) this.#pace = { password: { kind: 'can', can: this.#card.can } }
    else if (reference === 1) this.#pace = { password: { kind: 'mrz', mrz: this.#card.mrz } }
    else return status(0x6a88)
    return ok()
  }

  #generalAuthenticate(command: CommandApdu): Answer {
    const pace = this.#pace
    if (pace === undefined) return status(0x6985)
    const outer = findTlv(command.data ?? new Uint8Array(0), 0x7c)
    if (outer === undefined) return status(0x6a80)
    const inner = readTlvs(outer.value)[0]
    const reply = (tag: number, value: Uint8Array) => ok(encodeTlv(0x7c, encodeTlv(tag, value)))
    try {
      if (inner === undefined) {
        pace.nonce = this.#random(16)
        const kPi = deriveKey(pacePasswordBytes(pace.password), KDF_PI, 'aes128')
        return reply(GA_TAG.nonce, aesCbcEncrypt(kPi, new Uint8Array(16), pace.nonce))
      }
      if (inner.tag === GA_TAG.mapTerminal && pace.nonce !== undefined) {
        const key = scalarFromBytes(this.#random(40))
        pace.generator = mapGenerator(pace.nonce, decodePoint(inner.value).multiply(key))
        return reply(GA_TAG.mapChip, encodePoint(BrainpoolP256r1.BASE.multiply(key)))
      }
      if (inner.tag === GA_TAG.keyTerminal && pace.generator !== undefined) {
        const key = scalarFromBytes(this.#random(40))
        pace.terminalEphemeral = decodePoint(inner.value)
        pace.chipEphemeral = pace.generator.multiply(key)
        pace.session = paceSession(xCoordinate(pace.terminalEphemeral.multiply(key)))
        return reply(GA_TAG.keyChip, encodePoint(pace.chipEphemeral))
      }
      if (inner.tag === GA_TAG.tokenTerminal && pace.session !== undefined && pace.chipEphemeral !== undefined && pace.terminalEphemeral !== undefined) {
        this.#pace = undefined
        if (!equalBytes(inner.value, authenticationToken(pace.session.ksMac, PACE_ECDH_GM_AES_128, pace.chipEphemeral))) return status(0x6300)
        this.#pendingSession = pace.session
        return reply(GA_TAG.tokenChip, authenticationToken(pace.session.ksMac, PACE_ECDH_GM_AES_128, pace.terminalEphemeral))
      }
    } catch {
      this.#pace = undefined
      return status(0x6a80)
    }
    this.#pace = undefined
    return status(0x6985)
  }
}
