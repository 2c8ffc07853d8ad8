/** The touch panel options of a keypad with `kind: ft6x36`: the panel's size and its key zones. */
import { Type, type StaticDecode } from '@sinclair/typebox'
import { KeyNameOption } from '../keypad/key-names.js'

/** The FT6x36 reports 12-bit coordinates (docs/protocols.md 3.1). */
const PanelPx = (options: { default: number; description: string }) => Type.Integer({ minimum: 1, maximum: 4096, ...options })
const ZoneCoordinate = (description: string) => Type.Integer({ minimum: 0, maximum: 4096, description })

/** One on-screen key of a touch panel: the rectangle [x, x + widthPx) × [y, y + heightPx) in panel coordinates. */
export const TouchZoneOptions = Type.Object(
  {
    key: KeyNameOption({ description: 'the key this zone stands for' }),
    x: ZoneCoordinate('left edge, panel coordinates'),
    y: ZoneCoordinate('top edge, panel coordinates'),
    widthPx: ZoneCoordinate('width, panel coordinates'),
    heightPx: ZoneCoordinate('height, panel coordinates'),
  },
  { additionalProperties: false },
)

export const TouchPanelOptions = Type.Object(
  {
    widthPx: PanelPx({
      // A 2.8" FT6206 panel (Adafruit #1947) reports 240 × 320.
      default: 240,
      description: "touch area width in the controller's coordinates (FT6x36: up to 4096; a 2.8\" panel reports 240 × 320)",
    }),
    heightPx: PanelPx({ default: 320, description: "touch area height in the controller's coordinates" }),
    gapPx: Type.Integer({
      minimum: 0,
      maximum: 512,
      // 8 px between keys avoids presses on the border of two keys.
      default: 8,
      description: 'dead band between the keys of the default phone layout; ignored when `zones` is given',
    }),
    zones: Type.Optional(
      Type.Array(TouchZoneOptions, {
        minItems: 1,
        errorMessage: 'must be a list of {key, x, y, widthPx, heightPx}',
        'x-allowed': 'list of `{key, x, y, widthPx, heightPx}`',
        description: 'key zones; absent = a 4 × 3 phone layout (1 2 3 / 4 5 6 / 7 8 9 / back 0 ok) over the whole panel',
      }),
    ),
  },
  { additionalProperties: false, description: 'the touch panel in front of the display (keypad.kind ft6x36)' },
)

export type TouchZoneConfig = StaticDecode<typeof TouchZoneOptions>
export type TouchPanelConfig = StaticDecode<typeof TouchPanelOptions>
