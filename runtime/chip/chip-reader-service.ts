/** The kiosk's `readChip`: the NFC reader's card conversation, the station's trusted CSCAs, today on its clock. */
import { randomBytes } from 'node:crypto'
import type { Clock } from '../core/clock.js'
import type { NfcDevice } from '../devices/nfc-device.js'
import type { ChipAccessKeys } from '../kiosk/chip-access.js'
import type { CardResult } from '../kiosk/identity-from-card.js'
import { readChipIdentity } from './chip-identity.js'
import type { ChipTrust } from './chip-trust.js'

export function chipReader(nfc: NfcDevice, trust: ChipTrust, clock: Clock): (access: ChipAccessKeys) => Promise<CardResult> {
  return (access) =>
    readChipIdentity(
      { readCard: (run) => nfc.readCard(run), cscaCertificates: trust.cscaCertificates, randomBytes: (length) => new Uint8Array(randomBytes(length)) },
      access,
      new Date(clock.now()),
    )
}
