/**
 * FocalTech FT6x36 (FT6206/FT6236/FT6336U, also FT5x06 for the first 0x1F registers) register map with
 * the data sheet's names, so a search of the PDF finds them. docs/protocols.md 3.1; names as in the FT6x36
 * application note and muca-board/Muca `ft5xx6.h`.
 */

/** 7-bit I2C address of every FT5x06/FT6x36 part (docs/protocols.md 3.1). */
export const FT6X36_ADDRESS = 0x38

/** Device mode: DEV_MODE_WORKING or DEV_MODE_FACTORY. */
export const DEV_MODE = 0x00
export const DEV_MODE_WORKING = 0x00
export const DEV_MODE_FACTORY = 0x40
/** Gesture code (0x10 up, 0x14 left, 0x18 down, 0x1C right, 0x48/0x49 zoom, 0 none); most panels report 0. */
export const GEST_ID = 0x01
/** Bits 3:0 = number of valid touch points (FT6x36 0..2, FT5x06 0..5). */
export const TD_STATUS = 0x02
export const TD_STATUS_COUNT_MASK = 0x0f
/** What an all-ones (floating, pulled-up) bus reads; never a real status (docs/protocols.md 3.1 "Decode"). */
export const TD_STATUS_BUS_FLOATING = 0xff

/** First register of touch point 1; point k (0-based) starts at P1_XH + POINT_STRIDE * k. */
export const P1_XH = 0x03
export const P1_XL = 0x04
export const P1_YH = 0x05
export const P1_YL = 0x06
export const P1_WEIGHT = 0x07
export const P1_MISC = 0x08
export const P2_XH = 0x09
export const P2_XL = 0x0a
export const P2_YH = 0x0b
export const P2_YL = 0x0c
export const P2_WEIGHT = 0x0d
export const P2_MISC = 0x0e
/** Registers per touch point: XH, XL, YH, YL, WEIGHT, MISC. */
export const POINT_STRIDE = 6
/** Bytes before the first point: DEV_MODE, GEST_ID, TD_STATUS. */
export const REPORT_HEADER_LENGTH = 3

/** Pn_XH bits 7:6 = event flag; bits 3:0 = X[11:8]. */
export const XH_EVENT_SHIFT = 6
/** Pn_YH bits 7:4 = touch ID (0..15, follows one finger across reports); bits 3:0 = Y[11:8]. */
export const YH_ID_SHIFT = 4
export const COORDINATE_HIGH_MASK = 0x0f
/** Coordinates are 12 bits. */
export const COORDINATE_MAX = 0x0fff
/** Touch IDs are 4 bits. */
export const TOUCH_ID_MAX = 0x0f

/** Event flag values of Pn_XH bits 7:6 (Linux edt-ft5x06.c TOUCH_EVENT_DOWN/UP/ON/RESERVED). */
export const EVENT_PUT_DOWN = 0
export const EVENT_PUT_UP = 1
export const EVENT_CONTACT = 2
export const EVENT_NO_EVENT = 3

/** Touch points the FT6x36 reports (P1, P2); the FT5x06 reports 5. */
export const FT6X36_MAX_POINTS = 2
export const FT5X06_MAX_POINTS = 5

/** Touch detection threshold (Adafruit writes 128; others 70–80). */
export const ID_G_THGROUP = 0x80
/** Power control: auto switch to monitor mode. */
export const ID_G_CTRL = 0x86
/** Seconds without touch before monitor mode. */
export const ID_G_TIMEENTERMONITOR = 0x87
/** Report rate in active mode. */
export const ID_G_PERIODACTIVE = 0x88
/** Firmware library version, high and low byte. */
export const ID_G_LIB_VERSION_H = 0xa1
export const ID_G_LIB_VERSION_L = 0xa2
/** Chip ID: CHIP_ID_FT6206, CHIP_ID_FT6236, CHIP_ID_FT6336U, CHIP_ID_FT3267. */
export const ID_G_CIPHER = 0xa3
/** Interrupt mode: G_MODE_POLLING (INT low while touched) or G_MODE_TRIGGER (INT pulses per report). */
export const ID_G_MODE = 0xa4
export const G_MODE_POLLING = 0x00
export const G_MODE_TRIGGER = 0x01
/** Power mode: PMODE_ACTIVE, PMODE_MONITOR, PMODE_HIBERNATE (only RESET/INT wakes it). */
export const ID_G_PMODE = 0xa5
export const PMODE_ACTIVE = 0x00
export const PMODE_MONITOR = 0x01
export const PMODE_HIBERNATE = 0x03
/** Firmware version. */
export const ID_G_FIRMID = 0xa6
/** Panel vendor (CTPM) ID: 0x11 = FocalTech on Adafruit parts; clones report others (e.g. 0x88). */
export const ID_G_FOCALTECH_ID = 0xa8
export const FOCALTECH_VENDOR_ID = 0x11

/** ID_G_CIPHER values (Xinyuan-LilyGO SensorLib FT6X36Constants.h, docs/protocols.md 3.1). */
export const CHIP_ID_FT6206 = 0x06
export const CHIP_ID_FT6236 = 0x36
export const CHIP_ID_FT6336U = 0x64
export const CHIP_ID_FT3267 = 0x33
/** Every chip ID the driver accepts by default. */
export const KNOWN_CHIP_IDS: readonly number[] = [CHIP_ID_FT6206, CHIP_ID_FT6236, CHIP_ID_FT6336U, CHIP_ID_FT3267]

/**
 * Bytes the driver reads per poll: 0x00..0x0F in one transaction so both points are coherent
 * (docs/protocols.md 3.1); 0x0F follows P2_MISC and is ignored.
 */
export const FT6X36_REPORT_LENGTH = 0x10
