/**
 * Reads a resident's CCCD chip into an identity (docs/emrtd.md, "In the station"): the card in the
 * PN532's field is opened with the keys the kiosk has (PACE with the CAN, BAC with the MRZ as the
 * fallback), DG1, DG13 and EF.SOD are read, passive authentication checks them against the trusted
 * CSCAs, and the identity checks every source shares run (drivers/identity/chip-citizen.ts). The
 * result says why a chip was refused by its reason code, never with the chip's data.
 *
 * The reader and passive authentication (with its CMS and X.509 parser, about 60 ms to load) are
 * loaded at the first chip, not at start: most visits never read one, and start-up is measured
 * (docs/benchmarks.md, "spawn to ready").
 */
import { refusalReason } from '../../drivers/emrtd/chip-errors.js'
import type { CardTransceive } from '../../drivers/nfc/pn532-reader.js'
import { isStationError } from '../core/errors.js'
import type { ChipAccessKeys } from '../kiosk/chip-access.js'
import { safeReason, type CardResult } from '../kiosk/identity-from-card.js'

export interface ChipIdentityDeps {
  /** A conversation with the card in the field (Pn532Reader.readCard). */
  readCard<T>(run: (transceive: CardTransceive) => Promise<T>): Promise<T>
  /** Trusted CSCA certificates, DER. */
  cscaCertificates: readonly Uint8Array[]
  /** A CSPRNG (node:crypto randomBytes). */
  randomBytes: (length: number) => Uint8Array
}

/** The chip's identity (`source: chip`, verified by the issuing state's signature) or why it was refused. */
export async function readChipIdentity(deps: ChipIdentityDeps, access: ChipAccessKeys, today: Date): Promise<CardResult> {
  try {
    const [{ readChip }, { citizenFromChip }] = await Promise.all([import('../../drivers/emrtd/chip-reader.js'), import('../../drivers/identity/chip-citizen.js')])
    const read = await deps.readCard((transceive) => readChip(transceive, { can: access.can, mrz: access.mrz, randomBytes: deps.randomBytes }))
    const record = citizenFromChip(read, deps.cscaCertificates, today)
    return {
      ok: true,
      identity: {
        source: 'chip',
        personalId: record.personalId,
        name: record.name,
        birthDate: record.birthDate,
        sex: record.sex,
        ...(record.address === undefined ? {} : { address: record.address }),
        ...(record.expiry === null ? {} : { expiryDate: record.expiry }),
      },
    }
  } catch (error) {
    const chipReason = refusalReason(error)
    const code = isStationError(error) ? error.code : 'E_CARD_INVALID'
    return chipReason === undefined ? { ok: false, reason: safeReason(error), code } : { ok: false, reason: chipReason, code, chipReason }
  }
}
