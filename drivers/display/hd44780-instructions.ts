/**
 * HD44780U instruction codes and flag bits with the data sheet's names (Hitachi HD44780U, Table 6
 * "Instructions"; docs/protocols.md 4.2). An instruction byte is its code ORed with the flags that follow it.
 */

/** Clear display: fills DDRAM with 0x20, address counter to 0, I/D = 1. Takes 1.52 ms. */
export const CLEAR_DISPLAY = 0x01
/** Return home: address counter to 0, display shift undone. Takes 1.52 ms. */
export const RETURN_HOME = 0x02

/** Entry mode set; flags I/D (increment) and S (shift the display on each write). */
export const ENTRY_MODE_SET = 0x04
export const ENTRY_INCREMENT = 0x02
export const ENTRY_SHIFT = 0x01

/** Display on/off control; flags D (display), C (cursor), B (blink). */
export const DISPLAY_CONTROL = 0x08
export const DISPLAY_ON = 0x04
export const CURSOR_ON = 0x02
export const BLINK_ON = 0x01

/** Cursor or display shift; flags S/C (shift display, not cursor) and R/L (to the right). */
export const CURSOR_SHIFT = 0x10
export const SHIFT_DISPLAY = 0x08
export const SHIFT_RIGHT = 0x04

/** Function set; flags DL (8-bit interface), N (2 lines), F (5x10 font). */
export const FUNCTION_SET = 0x20
export const FUNCTION_8BIT = 0x10
export const FUNCTION_2LINE = 0x08
export const FUNCTION_5X10 = 0x04

/** Set CGRAM address (6-bit address in the low bits). */
export const SET_CGRAM_ADDRESS = 0x40
/** Set DDRAM address (7-bit address in the low bits). */
export const SET_DDRAM_ADDRESS = 0x80

/** Execution time of Clear display and Return home at fosc = 270 kHz (Table 6): 1.52 ms. */
export const CLEAR_EXECUTION_MS = 1.52
/** Wait the driver uses after Clear/Return home: 1.52 ms rounded up to a whole clock tick (docs/protocols.md 4.1). */
export const CLEAR_DELAY_MS = 2
/** Wait after VCC reaches 2.7 V before the first instruction (Figure 24, "Wait for more than 40 ms"). */
export const POWER_UP_DELAY_MS = 50
