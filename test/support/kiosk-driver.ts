/**
 * A resident at a simulated station (`station run --sim`), through the control socket: one
 * security-feedback submission, start to end screen (flows/security-feedback.yaml).
 */
import { QR } from './sim-residents.js'
import { screenText, type StationProcess } from './station-process.js'

/** Menu item 1, topic 2, building and floor left empty, description 1, phone left empty (flows/security-feedback.yaml). */
export const FEEDBACK_KEYS = ['1', '2', 'ok', 'ok', '1', 'ok'] as const

/** The reference code on the end screen: three groups of four digits (runtime/kiosk/reference-code.ts). */
const REFERENCE = /(\d{4}-\d{4}-\d{4})/

/**
 * The scanner ignores a scan identical to the last one for a while (a card held in front of it), so
 * residents in a row alternate between two cards of the same person with different addresses.
 */
const CARDS = [QR, QR.replace('12 Lê Lợi', '14 Lê Lợi')]
let nextCard = 0
function card(): string {
  nextCard = (nextCard + 1) % CARDS.length
  return CARDS[nextCard] as string
}

/**
 * Polls the screen until it matches. With `signal` (a station about to be killed) it stops at once
 * when aborted, so no step of an abandoned resident ever reaches the next station.
 */
async function waitScreen(proc: StationProcess, pattern: RegExp, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    signal?.throwIfAborted()
    const text = await screenText(proc).catch(() => '')
    if (pattern.test(text)) return text
    if (Date.now() > deadline) throw new Error(`timed out waiting for screen matching ${pattern}; screen:\n${text}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

async function press(proc: StationProcess, key: string, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await proc.request('sim.press', { key })
}

/**
 * Card, menu item 1, topic 2, this building, no floor, the first description, no phone: the confirm
 * screen. Resolves with the screen after the last key.
 */
export async function startFeedback(proc: StationProcess, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await proc.request('sim.card', { kind: 'cccd', text: card() })
  await waitScreen(proc, /Chon dich vu/, 10_000, signal)
  for (const key of FEEDBACK_KEYS) await press(proc, key, signal)
  await waitScreen(proc, /Bam OK de gui/, 10_000, signal)
}

/** Presses the last OK and waits for the end screen: the reference when stored, null when the station said it was not. */
export async function finishFeedback(proc: StationProcess, timeoutMs = 10_000, signal?: AbortSignal): Promise<string | null> {
  await press(proc, 'ok', signal)
  const text = await waitScreen(proc, /Ma tra cuu|CHUA GHI NHAN/, timeoutMs, signal)
  const match = REFERENCE.exec(text)
  return /CHUA GHI NHAN/.test(text) || !match ? null : (match[1] as string)
}

/** One whole submission; the reference code, or null when the station said it was NOT recorded. */
export async function submitFeedback(proc: StationProcess, signal?: AbortSignal): Promise<string | null> {
  await startFeedback(proc, signal)
  return finishFeedback(proc, 10_000, signal)
}

/** Card, then menu item 1: what the station shows for a resident who wants to submit now. */
export async function tryToStart(proc: StationProcess): Promise<string> {
  await proc.request('sim.card', { kind: 'cccd', text: card() })
  await waitScreen(proc, /Chon dich vu/, 10_000)
  await proc.request('sim.press', { key: '1' })
  await new Promise((resolve) => setTimeout(resolve, 200))
  return screenText(proc)
}
