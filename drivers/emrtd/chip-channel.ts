/**
 * One conversation with a chip (docs/emrtd.md, "Reading"): plain until access control succeeds, then
 * every command goes through secure messaging with the session's counter. A transceive that rejects
 * (card pulled away, RF lost) is `card_lost`; after a MAC failure the session is dead and stays dead.
 */
import { encodeCommand, parseResponse, type CommandApdu, type ResponseApdu, type Transceive } from './apdu.js'
import { chipRefusal, refusalReason } from './chip-errors.js'
import { unwrapResponse, wrapCommand, type SmSession } from './secure-messaging.js'

export interface ChannelResponse extends ResponseApdu {
  /** False for a bare status word under secure messaging: unauthenticated, good only for stopping. */
  readonly authenticated: boolean
}

export class ChipChannel {
  readonly #transceive: Transceive
  #session: SmSession | undefined
  #dead = false

  constructor(transceive: Transceive) {
    this.#transceive = transceive
  }

  get secured(): boolean {
    return this.#session !== undefined
  }

  /** Transceive without secure messaging (access control itself, EF.CardAccess). */
  readonly raw: Transceive = async (apdu) => {
    try {
      return await this.#transceive(apdu)
    } catch (error) {
      this.#dead = true
      throw chipRefusal('card_lost', 'the chip stopped answering', {}, error)
    }
  }

  startSecureMessaging(session: SmSession): void {
    this.#session = session
  }

  async send(command: CommandApdu): Promise<ChannelResponse> {
    if (this.#dead) throw chipRefusal('sm_broken', 'the chip session has ended')
    const session = this.#session
    if (session === undefined) return { ...parseResponse(await this.raw(encodeCommand(command))), authenticated: true }
    const wrapped = wrapCommand(session, command)
    const response = await this.raw(wrapped.apdu)
    try {
      const opened = unwrapResponse(session, wrapped.ssc, response)
      this.#session = { ...session, ssc: opened.ssc }
      return { data: opened.data, sw: opened.sw, authenticated: opened.authenticated }
    } catch (error) {
      if (refusalReason(error) === 'sm_broken') this.#dead = true
      throw error
    }
  }
}
