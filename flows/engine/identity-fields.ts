/**
 * The identity fields a submission may carry, as one catalogue: the name a flow writes
 * (`identity: [id_number, name]` on a submit step), the key central receives, and what the resident
 * reads on a consent screen in both languages. The consent screen, the check of a hand-written
 * consent (consent.ts) and the submission (session-machine.ts) all read this one list, so a field
 * cannot be sent under one name and asked for under another (docs/privacy.md, "What a submission
 * carries"). Pure.
 */
import { identityVerification, type Identity } from './identity.js'

/** In the order a consent screen names them. */
export const IDENTITY_FIELDS = ['id_number', 'name', 'birth_date', 'sex', 'address'] as const

export type IdentityField = (typeof IDENTITY_FIELDS)[number]

/** A text in both languages (flow-types.ts `LocalizedText`, which imports this file's field names: restated here, not imported). */
interface Label {
  readonly vi: string
  readonly en: string
}

interface IdentityFieldEntry {
  /** The key in the submission's `identity` object. */
  readonly key: 'personalId' | 'name' | 'birthDate' | 'sex' | 'address'
  /** How a consent screen names it (lower case: it is read inside a sentence). */
  readonly label: Label
  /**
   * Wordings that name it in a hand-written consent text, lower case, NFC. The label is one; the rest
   * are the other names residents and forms use ("họ và tên", "date of birth").
   */
  readonly mentions: { readonly vi: readonly string[]; readonly en: readonly string[] }
}

export const IDENTITY_FIELD_CATALOGUE: Readonly<Record<IdentityField, IdentityFieldEntry>> = {
  id_number: {
    key: 'personalId',
    label: { vi: 'số CCCD', en: 'ID number' },
    mentions: { vi: ['số cccd', 'số căn cước', 'số định danh', 'mã định danh'], en: ['id number', 'personal number', 'identification number'] },
  },
  name: {
    key: 'name',
    label: { vi: 'họ tên', en: 'name' },
    mentions: { vi: ['họ tên', 'họ và tên'], en: ['name'] },
  },
  birth_date: {
    key: 'birthDate',
    label: { vi: 'ngày sinh', en: 'birth date' },
    mentions: { vi: ['ngày sinh', 'ngày tháng năm sinh'], en: ['birth date', 'date of birth', 'birthday'] },
  },
  sex: {
    key: 'sex',
    label: { vi: 'giới tính', en: 'sex' },
    mentions: { vi: ['giới tính'], en: ['sex', 'gender'] },
  },
  address: {
    key: 'address',
    label: { vi: 'địa chỉ', en: 'address' },
    mentions: { vi: ['địa chỉ', 'nơi thường trú', 'nơi cư trú'], en: ['address', 'residence'] },
  },
}

/**
 * Vague wordings that name identity data without saying which ("thông tin CCCD", "your ID data"): a
 * hand-written consent using one does not tell the resident what goes, so the check refuses it.
 */
export const VAGUE_IDENTITY_MENTIONS: { readonly vi: readonly string[]; readonly en: readonly string[] } = {
  vi: ['thông tin cccd', 'thông tin căn cước', 'thông tin cá nhân', 'dữ liệu cá nhân'],
  en: ['id data', 'id details', 'identity data', 'personal data', 'personal details'],
}

/**
 * The `identity` object of a submission: the document's source, how far it is proven (`verified`), and exactly the `fields` declared,
 * each under its catalogue key (null when the document does not carry it, so central sees the field
 * was asked for). Nothing else of the identity is copied: not the card UID, not an undeclared field.
 */
export function submittedIdentity(identity: Identity, fields: readonly IdentityField[]): Record<string, string | null> {
  // How far it is proven goes with every identity: central must tell a chip from printed text (docs/identity.md, "Verified").
  const data: Record<string, string | null> = { source: identity.source, verified: identityVerification(identity) }
  for (const field of IDENTITY_FIELDS) {
    if (!fields.includes(field)) continue
    const key = IDENTITY_FIELD_CATALOGUE[field].key
    data[key] = identity[key] ?? null
  }
  return data
}
