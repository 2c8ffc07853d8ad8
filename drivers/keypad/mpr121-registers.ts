/**
 * MPR121 register map with the data sheet's names (Freescale MPR121 Rev 4, Table 1 "Register Map";
 * Adafruit_MPR121.h uses the same names), so a search of the PDF finds them. docs/protocols.md 3.2.
 */

/** ELE0–ELE7 touch status, bit n = electrode n. */
export const TOUCH_STATUS_0 = 0x00
/** ELE8–ELE11 touch status in bits 3:0, ELEPROX in bit 4, OVCF in bit 7. */
export const TOUCH_STATUS_1 = 0x01
/** Bit of TOUCH_STATUS_1: the 13th "all electrodes" proximity channel. */
export const ELEPROX_BIT = 0x10
/** Bit of TOUCH_STATUS_1: over-current on REXT; the chip has stopped. Write 1 to clear. */
export const OVCF_BIT = 0x80
/** Bits 6:5 of TOUCH_STATUS_1 are reserved and read 0. */
export const TOUCH_STATUS_1_RESERVED = 0x60

/** Out-of-range status (ACFF/ARFF autoconfiguration failure flags in OOR_STATUS_1). */
export const OOR_STATUS_0 = 0x02
export const OOR_STATUS_1 = 0x03
/** Electrode filtered data, 10-bit little-endian pairs, ELE0 first (0x04–0x1D). */
export const E0FDL = 0x04
/** Electrode baseline values, upper 8 of 10 bits, ELE0 first (0x1E–0x2A). */
export const E0BV = 0x1e

/** Baseline filter control, rising / falling / touched (section 5.5). */
export const MHDR = 0x2b
export const NHDR = 0x2c
export const NCLR = 0x2d
export const FDLR = 0x2e
export const MHDF = 0x2f
export const NHDF = 0x30
export const NCLF = 0x31
export const FDLF = 0x32
export const NHDT = 0x33
export const NCLT = 0x34
export const FDLT = 0x35
/** Same filters for ELEPROX occupy 0x36–0x40. */
export const MHDPROXR = 0x36

/** Touch threshold of electrode n is E0TTH + 2n, release threshold E0RTH + 2n (n = 0..11; 12 = ELEPROX). */
export const E0TTH = 0x41
export const E0RTH = 0x42

/** Debounce: touch count in bits 2:0, release count in bits 6:4. */
export const DEBOUNCE = 0x5b
/** AFE configuration 1: FFI and global charge current CDC; 0x10 after reset. */
export const CONFIG1 = 0x5c
/** AFE configuration 2: CDT, SFI, ESI; reads CONFIG2_RESET_VALUE after reset (identity check). */
export const CONFIG2 = 0x5d
export const CONFIG1_RESET_VALUE = 0x10
export const CONFIG2_RESET_VALUE = 0x24

/**
 * Electrode Configuration Register: CL in bits 7:6, ELEPROX_EN in 5:4, ELE_EN (electrodes enabled,
 * 0 = none) in 3:0. ELE_EN = 0 and ELEPROX_EN = 0 is stop mode; only then are configuration
 * registers writable (section 5.1).
 */
export const ECR = 0x5e
export const ECR_RUN_BITS = 0x3f
export const ECR_ELE_EN_MASK = 0x0f
export const ECR_ELEPROX_EN_MASK = 0x30
/** CL = 10: baseline tracking on, initial baseline loaded with the 5 MSBs of the first reading. */
export const ECR_CL_LOAD_5MSB = 0x80

/** Per-electrode charge current 0x5F–0x6B and charge time 0x6C–0x72. */
export const CDC0 = 0x5f
export const CDT0 = 0x6c
/** GPIO/LED registers 0x73–0x7A are writable in run mode too. */
export const GPIO_CTRL0 = 0x73
export const GPIO_TOGGLE = 0x7a
/** Auto-configuration control and limits. */
export const AUTOCONFIG0 = 0x7b
export const AUTOCONFIG1 = 0x7c
export const USL = 0x7d
export const LSL = 0x7e
export const TL = 0x7f

/** Writing SOFT_RESET_VALUE here resets every register to its default. */
export const SOFT_RESET = 0x80
export const SOFT_RESET_VALUE = 0x63

/** Electrodes on the chip. */
export const ELECTRODE_COUNT = 12
