/**
 * The lines of `station tui` (docs/operations.md "Technician"), from one snapshot: pure, so the
 * live view and the plain-text print (`station tui | cat`) show the same thing. Every line is cut
 * to the width; panels stand side by side on a wide terminal and stack on a narrow one.
 */
import type { DeviceRow, HardwareTest, LogLine, RecentEvent, TuiSnapshot } from './tui-snapshot.js'

export type Tone = 'bad' | 'warn' | 'title' | 'prompt'

export interface ScreenLine {
  text: string
  tone?: Tone
}

export interface ScreenUi {
  /** A question (y/n), a choice, or the outcome of the last action. */
  message: string | null
  /** Why the station did not answer the last poll, when it did not. */
  error: string | null
}

export const HELP_LINE = 't:print c:card k:keys d:display m:maint r:reload o:drain x:restart q:quit'
/** From this width the events and the log stand beside the devices. */
export const WIDE_FROM_COLS = 100
/** Events and log lines printed by the plain-text view. */
const PLAIN_EVENTS = 5
const PLAIN_LOG_LINES = 10

/** `text` cut to `width` characters (code points), with '…' when cut. */
export function fit(text: string, width: number): string {
  const chars = [...text]
  if (chars.length <= width) return text
  if (width <= 0) return ''
  return `${chars.slice(0, width - 1).join('')}…`
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

export function clockTime(ms: number): string {
  const date = new Date(ms)
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':')
}

/**
 * The whole screen. `height` null: everything once, for a pipe (no help line). Otherwise at most
 * `height - 1` lines (the last terminal row stays free so the terminal never scrolls).
 */
export function tuiScreen(snapshot: TuiSnapshot | null, ui: ScreenUi, width: number, height: number | null): ScreenLine[] {
  const cut = (lines: ScreenLine[], cols: number) => lines.map((line) => ({ ...line, text: fit(line.text, cols) }))
  const header: ScreenLine[] = [headerLine(snapshot, ui)]
  if (!snapshot) {
    const lines = [...header, { text: 'waiting for the station…' }]
    return cut(height === null ? lines : [...lines, ...footer(ui)], width)
  }
  const left = [...deviceLines(snapshot.devices), ...linkLines(snapshot), outboxLine(snapshot), sessionLine(snapshot), ...testLines(snapshot.test)]
  if (height === null) {
    const lines = [...header, ...left, ...eventLines(snapshot.events, PLAIN_EVENTS), ...logLines(snapshot.log, PLAIN_LOG_LINES)]
    if (ui.message) lines.push({ text: ui.message })
    return cut(lines, width)
  }
  const foot = footer(ui)
  const bodyRows = Math.max(0, height - 1 - header.length - foot.length)
  let body: ScreenLine[]
  if (width >= WIDE_FROM_COLS) {
    const leftCols = Math.min(80, Math.floor(width * 0.6))
    const rightCols = width - leftCols - 1
    const eventRows = Math.max(2, Math.floor(bodyRows / 2))
    const right = [...eventLines(snapshot.events, eventRows - 1), ...logLines(snapshot.log, bodyRows - eventRows - 1)]
    const leftCut = cut(left, leftCols).slice(0, bodyRows)
    const rightCut = cut(right, rightCols).slice(0, bodyRows)
    body = []
    for (let row = 0; row < Math.max(leftCut.length, rightCut.length); row++) {
      const l = leftCut[row]
      const r = rightCut[row]
      const text = `${(l?.text ?? '').padEnd(leftCols)} ${r?.text ?? ''}`.trimEnd()
      // One tone per terminal row: the left panel's, which carries the faults.
      const tone = l?.tone ?? r?.tone
      body.push(tone === undefined ? { text } : { text, tone })
    }
  } else {
    const rest = bodyRows - left.length
    const eventRows = rest >= 4 ? Math.ceil(rest / 2) : rest >= 2 ? rest : 0
    const logRows = rest - eventRows >= 2 ? rest - eventRows : 0
    body = [
      ...left.slice(0, bodyRows),
      ...(eventRows > 0 ? eventLines(snapshot.events, eventRows - 1) : []),
      ...(logRows > 0 ? logLines(snapshot.log, logRows - 1) : []),
    ]
  }
  return cut([...header, ...body, ...foot], width)
}

function footer(ui: ScreenUi): ScreenLine[] {
  return [ui.message ? { text: ui.message, tone: 'prompt' } : { text: '' }, { text: HELP_LINE, tone: 'title' }]
}

function headerLine(snapshot: TuiSnapshot | null, ui: ScreenUi): ScreenLine {
  if (ui.error) return { text: `station not answering: ${ui.error}`, tone: 'bad' }
  if (!snapshot) return { text: 'station tui', tone: 'title' }
  const m = snapshot.maintenance
  // What a technician must see first comes first: a narrow terminal cuts the end of the line.
  const parts = [
    `${snapshot.station} ${snapshot.ready ? 'ready' : 'starting'}`,
    `maintenance ${m.on ? `ON (${m.reason ?? 'unknown'})` : 'off'}`,
    ...(m.enclosureOpen ? ['ENCLOSURE OPEN'] : []),
    `screen ${snapshot.session.phase}`,
    clockTime(snapshot.nowMs),
    `v${snapshot.version}${snapshot.simulated ? ' sim' : ''}`,
  ]
  return { text: parts.join(' · '), tone: m.on || m.enclosureOpen ? 'warn' : 'title' }
}

function deviceLines(devices: readonly DeviceRow[]): ScreenLine[] {
  const lines: ScreenLine[] = [{ text: `${'DEVICE'.padEnd(10)} ${'STATE'.padEnd(9)} READS PRINTS RETRY FAULT  LAST ERROR`, tone: 'title' }]
  for (const device of devices) {
    const c = device.counters
    const notes = [
      ...(device.printer ? [`paper ${device.printer.paper}, cover ${device.printer.cover}${device.printer.online ? '' : ', offline'}`] : []),
      ...(device.lastError || device.lastErrorCode ? [[device.lastErrorCode, device.lastError].filter(Boolean).join(' ')] : []),
    ]
    const text = `${device.name.padEnd(10)} ${device.state.padEnd(9)} ${num(c.reads, 5)} ${num(c.prints, 6)} ${num(c.retries, 5)} ${num(c.faults, 5)}  ${notes.join(' · ')}`
    const tone: Tone | undefined = device.state === 'faulty' || device.state === 'absent' ? 'bad' : device.state === 'degraded' ? 'warn' : undefined
    lines.push(tone ? { text: text.trimEnd(), tone } : { text: text.trimEnd() })
  }
  return lines
}

function num(value: number, width: number): string {
  return String(value).padStart(width)
}

function linkLines(snapshot: TuiSnapshot): ScreenLine[] {
  const link = snapshot.link
  if (!link.configured) return [{ text: 'LINK    none: offline, submissions kept in the outbox' }]
  const since = link.connectedSinceMs === null ? '' : ` since ${clockTime(link.connectedSinceMs)} (${formatDuration((snapshot.nowMs - link.connectedSinceMs) / 1000)})`
  const first: ScreenLine = link.connected
    ? { text: `LINK    connected ${link.broker ?? ''}${since}` }
    : { text: `LINK    DISCONNECTED ${link.broker ?? ''}${link.lastError ? ` · ${link.lastError}` : ''}`, tone: 'bad' }
  const published = link.lastPublishMs === null ? 'nothing published yet' : `last publish ${formatDuration((snapshot.nowMs - link.lastPublishMs) / 1000)} ago`
  const tls = link.tls ? ` · tls ${link.tls.subject} until ${link.tls.validTo}` : ''
  return [first, { text: `        ${published} · ${link.reconnects} reconnects${tls}` }]
}

function outboxLine(snapshot: TuiSnapshot): ScreenLine {
  const o = snapshot.outbox
  const oldest = o.oldestAgeS === null ? '' : `, oldest ${formatDuration(o.oldestAgeS)}`
  const error = o.lastError ? ` · last error: ${o.lastError}` : ''
  const text = `OUTBOX  ${o.depth} waiting${oldest} · ${o.deliveredToday} delivered today${error}`
  return o.lastError ? { text, tone: 'warn' } : { text }
}

/** Flow and step ids and the time only: who the resident is or what they answered never shows. */
function sessionLine(snapshot: TuiSnapshot): ScreenLine {
  const s = snapshot.session
  if (!s.residentPresent) return { text: `SESSION nobody (${s.phase} screen)` }
  if (s.flow === null) return { text: `SESSION resident on the ${s.phase} screen`, tone: 'warn' }
  const elapsed = s.elapsedS === null ? '' : `, ${formatDuration(s.elapsedS)}`
  return { text: `SESSION resident in ${s.flow}, step ${s.step ?? '-'}${elapsed}`, tone: 'warn' }
}

function testLines(test: HardwareTest | null): ScreenLine[] {
  if (!test) return []
  if (test.kind === 'keys') {
    const keys = test.keys.length > 0 ? test.keys.join(' ') : 'press keys on the keypad'
    return [{ text: `TEST    keys: ${keys} (${test.endsInS} s, k or Esc ends)`, tone: 'prompt' }]
  }
  if (test.kind === 'display') return [{ text: `TEST    display: test pattern on the screen (${test.endsInS} s)`, tone: 'prompt' }]
  const result = test.result
  if (result === null) return [{ text: `TEST    card: hold a card to a reader (${test.endsInS} s, Esc ends)`, tone: 'prompt' }]
  if ('unreadable' in result) return [{ text: `TEST    card: not readable: ${result.unreadable}`, tone: 'prompt' }]
  return [{ text: `TEST    card: ${result.kind} ${result.masked}`, tone: 'prompt' }]
}

function eventLines(events: readonly RecentEvent[], rows: number): ScreenLine[] {
  if (rows < 0) return []
  const shown = rows === 0 ? [] : events.slice(-rows)
  return [
    { text: 'EVENTS', tone: 'title' },
    ...shown.map((event) => ({
      text: `${clockTime(event.atMs)} ${event.type}${Object.entries(event.fields)
        .map(([key, value]) => ` ${key}=${String(value)}`)
        .join('')}`,
    })),
  ]
}

function logLines(lines: readonly LogLine[], rows: number): ScreenLine[] {
  if (rows < 0) return []
  const shown = rows === 0 ? [] : lines.slice(-rows)
  return [
    { text: 'LOG', tone: 'title' },
    ...shown.map((line): ScreenLine => {
      const text = `${clockTime(line.atMs)} ${line.level.toUpperCase().padEnd(5)} ${line.text}`
      return line.level === 'error' || line.level === 'fatal' ? { text, tone: 'bad' } : line.level === 'warn' ? { text, tone: 'warn' } : { text }
    }),
  ]
}

/** `station tui | cat`: the same panels once, as plain text. */
export function plainText(snapshot: TuiSnapshot, width = 80): string {
  return tuiScreen(snapshot, { message: null, error: null }, width, null)
    .map((line) => line.text)
    .join('\n')
}
