/**
 * Before a stop (docs/deployment.md): the kiosk serves nobody new, the resident being served is
 * waited for, at most the grace or until `cutShort` aborts, and the restarting screen is shown.
 */
import type { Clock, TimerHandle } from './core/clock.js'
import type { Logger } from './core/logger.js'

/** The part of the kiosk a stop waits on. */
export interface ResidentKiosk {
  /** A resident is being served (menu, procedure or end screen). */
  readonly serving: boolean
  /** Takes nobody new; resolves when the resident being served is done. */
  finishThenRestart(): Promise<void>
  /** Shows the restarting screen now, cutting off whoever is still there. */
  restartNow(): void
}

export interface FinishResidentsOptions {
  kiosk: ResidentKiosk
  clock: Clock
  log: Logger
  /** session.stopGraceS. */
  graceS: number
  cutShort?: AbortSignal
}

/** `residentCutOff`: the wait ended with the resident still there. */
export async function finishResidents(options: FinishResidentsOptions): Promise<{ waitedMs: number; residentCutOff: boolean }> {
  const { kiosk, clock, log, graceS, cutShort } = options
  const startedMs = clock.now()
  const serving = kiosk.serving
  if (serving) log.info({ graceS }, 'stop: waiting for the resident to finish')
  let timer: TimerHandle | null = null
  let onAbort = () => {}
  const over = new Promise<'over'>((resolve) => {
    timer = clock.setTimeout(() => resolve('over'), graceS * 1000)
    onAbort = () => resolve('over')
    cutShort?.addEventListener('abort', onAbort, { once: true })
    if (cutShort?.aborted) resolve('over')
  })
  const outcome = await Promise.race([kiosk.finishThenRestart().then(() => 'done' as const), over])
  if (timer) clock.clearTimeout(timer)
  cutShort?.removeEventListener('abort', onAbort)
  const residentCutOff = outcome === 'over' && kiosk.serving
  kiosk.restartNow()
  const waitedMs = clock.now() - startedMs
  if (serving) log.info({ waitedMs, residentCutOff }, residentCutOff ? 'stop: grace over, resident cut off' : 'stop: resident done')
  return { waitedMs, residentCutOff }
}
