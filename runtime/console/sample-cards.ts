/**
 * Synthetic residents for the virtual station and demos. Fictitious people whose QR payloads pass
 * every CCCD check (province code, century/sex digit, birth year); not real citizens.
 */
export const SAMPLE_CCCD_QRS: readonly string[] = [
  '079203000001|025000001|Nguyễn Văn An|15082003|Nam|12 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh|20042021',
  '001195004271||Trần Thị Bích Ngọc|02031995|Nữ|45 Hàng Bạc, Phường Hàng Buồm, Quận Hoàn Kiếm, Hà Nội|11072021',
  '048088001532|201234567|Lê Minh Đức|30111988|Nam|8 Bạch Đằng, Phường Hải Châu 1, Quận Hải Châu, Đà Nẵng|05012022',
]

/** A QR whose ID digits disagree with the birth date: the station must refuse it cleanly. */
export const BAD_CCCD_QR = '079203000001|025000001|Nguyễn Văn An|15082004|Nam|12 Lê Lợi, Quận 1|20042021'
