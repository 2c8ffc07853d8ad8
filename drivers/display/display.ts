/**
 * The character display as the rest of the runtime sees it: whole rows of text, nothing about
 * controllers or buses. Implementations: Hd44780Display (real or simulated HD44780 on I2C).
 */
export interface Display {
  /**
   * Initialises the controller and leaves the screen blank with the backlight on. Rejects with
   * E_I2C_NACK when nothing answers at the display's address, E_I2C_IO on other bus failures.
   */
  start(): Promise<void>
  /**
   * Shows `rows`: row i of the array on screen row i. Text is folded to what the display can show
   * (Vietnamese → ASCII, or CGRAM glyphs for a few letters), padded with spaces or cut to the width; missing rows are blank and rows
   * beyond the display's are dropped. Rejects like `start`; a later call repairs the screen.
   */
  show(rows: readonly string[]): Promise<void>
  /** Blanks the screen and turns the backlight off. Idempotent; never rejects. */
  stop(): Promise<void>
}
