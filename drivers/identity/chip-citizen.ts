/**
 * The citizen identity a CCCD chip gives (docs/identity.md, "Sources"; docs/emrtd.md): passive
 * authentication first (the SOD signed by a document signer a configured CSCA signed, every read data
 * group hashing to the SOD's value), then DG1's MRZ and DG13's details checked as every source is
 * (drivers/identity/citizen-identity.ts). Pure apart from node:crypto's signature checks. Refusals
 * are StationErrors: a chip refusal carries `context.reason` (drivers/emrtd/chip-errors.ts), an identity
 * check names its rule as the QR and MRZ paths do.
 */
import type { ChipRead } from '../emrtd/chip-reader.js'
import { chipRefusal } from '../emrtd/chip-errors.js'
import { verifyPassiveAuthentication } from '../emrtd/passive-authentication.js'
import { StationError } from '../../runtime/core/errors.js'
import { checkCitizen, citizenFromTd1, type CitizenRecord } from './citizen-identity.js'
import { parseTd1 } from './mrz.js'
import type { PersonalIdOptions, Sex } from './personal-id.js'

const SEX_BY_DG13: ReadonlyMap<string, Sex> = new Map([
  ['nam', 'male'],
  ['nữ', 'female'],
])

/**
 * Checks `read` as of `today` against `cscaCertificates` (DER) and returns the checked identity: the
 * name, birth date, sex, address and issue date DG13 carries (DG1's folded MRZ where DG13 lacks one), the
 * expiry DG1 states. DG1 and DG13 must name the same 12-digit number.
 */
export function citizenFromChip(read: ChipRead, cscaCertificates: readonly Uint8Array[], today: Date, options: PersonalIdOptions = {}): CitizenRecord {
  verifyPassiveAuthentication({ sod: read.raw.sod, dataGroups: read.raw.dataGroups, cscaCertificates, validAt: today })
  if (read.dg1 === undefined) throw chipRefusal('file_missing', 'the chip has no DG1')
  const fromMrz = citizenFromTd1(parseTd1(read.dg1.lines, today), today, options)
  const details = read.dg13
  if (details?.personalNumber !== undefined && details.personalNumber !== fromMrz.personalId) {
    throw new StationError('E_CARD_INVALID', "the chip's data groups name different numbers", {})
  }
  const sex = details?.sex === undefined ? fromMrz.sex : SEX_BY_DG13.get(details.sex.normalize('NFC').toLowerCase())
  if (sex === undefined) throw new StationError('E_CARD_INVALID', 'sex field must be Nam or Nữ', {})
  return checkCitizen(
    {
      personalId: fromMrz.personalId,
      name: details?.fullName ?? fromMrz.name,
      birthDate: details?.birth?.iso ?? fromMrz.birthDate,
      sex,
      ...(details?.placeOfResidence === undefined ? {} : { address: details.placeOfResidence }),
      ...(details?.issued?.iso === undefined ? {} : { issued: details.issued.iso }),
      ...(fromMrz.expiry === null ? {} : { expiry: fromMrz.expiry }),
    },
    today,
    options,
  )
}
