/**
 * The replay cache for signed commands (docs/security.md, "Bodies"): every accepted nonce, kept on
 * disk (`<dataDir>/ops/nonces.json`, replaced atomically) so a restart does not reopen the window
 * for replaying a captured command. An entry lives for twice the skew window after it was seen: a
 * command is only fresh while its issuedAt is within the window of the clock, so by then a replay
 * is refused as stale anyway.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Clock } from '../core/clock.js'
import { StationError, messageOf } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { writeFileAtomic } from '../core/atomic-write.js'

export interface NonceCacheOptions {
  path: string
  clock: Clock
  /** How long an accepted nonce is remembered: 2 x ops.maxSkewS. */
  ttlMs: number
  /** Upper bound on entries; beyond it the oldest is forgotten first. */
  maxEntries: number
  log: Logger
}

interface NonceFile {
  v: 1
  /** nonce -> when it may be forgotten (ms since the epoch). */
  expires: Record<string, number>
  /** Kept while relevant after a lost file, so a second restart does not forget the loss. */
  notIssuedBeforeMs?: number
}

export const DEFAULT_MAX_NONCES = 4096

export class NonceCache {
  readonly #options: NonceCacheOptions
  /** In insertion order, so the first entry is the oldest. */
  readonly #expires = new Map<string, number>()
  /**
   * Set when the file was unreadable: its nonces are lost, so a command issued before the cache was
   * opened might be a replay of one accepted earlier and is refused as replayed.
   */
  #notIssuedBeforeMs: number | null = null
  #writing: Promise<void> = Promise.resolve()

  private constructor(options: NonceCacheOptions) {
    this.#options = options
  }

  /** Reads the cache (a missing file is an empty cache). A corrupt file is logged and distrusted, never fatal. */
  static async open(options: NonceCacheOptions): Promise<NonceCache> {
    const cache = new NonceCache(options)
    await mkdir(dirname(options.path), { recursive: true, mode: 0o700 })
    let text: string | undefined
    try {
      text = await readFile(options.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new StationError('E_INBOUND_REFUSED', `cannot read the command replay cache (${messageOf(error)})`, { path: options.path }, { cause: error })
      }
    }
    if (text !== undefined) cache.#load(text)
    cache.#prune()
    return cache
  }

  #load(text: string): void {
    const nowMs = this.#options.clock.now()
    try {
      const parsed = JSON.parse(text) as NonceFile
      if (parsed?.v !== 1 || parsed.expires === null || typeof parsed.expires !== 'object') throw new Error('not a nonce file')
      const entries = Object.entries(parsed.expires).filter((entry): entry is [string, number] => typeof entry[1] === 'number')
      for (const [nonce, expiresMs] of entries.sort((a, b) => a[1] - b[1])) this.#expires.set(nonce, expiresMs)
      if (typeof parsed.notIssuedBeforeMs === 'number') this.#notIssuedBeforeMs = parsed.notIssuedBeforeMs
    } catch (error) {
      this.#notIssuedBeforeMs = nowMs
      this.#options.log.error(
        { err: messageOf(error), path: this.#options.path },
        'command replay cache is unreadable: commands issued before now are refused as replayed',
      )
    }
  }

  get size(): number {
    return this.#expires.size
  }

  /** True when `nonce` was remembered and has not expired, or when the cache cannot vouch for that time. */
  seen(nonce: string, issuedAtMs: number): boolean {
    if (this.#notIssuedBeforeMs !== null && issuedAtMs < this.#notIssuedBeforeMs) return true
    const expiresMs = this.#expires.get(nonce)
    return expiresMs !== undefined && expiresMs > this.#options.clock.now()
  }

  /** Remembers `nonce`; resolves once the cache is on disk, so a crash right after cannot forget it. */
  remember(nonce: string): Promise<void> {
    this.#prune()
    this.#expires.delete(nonce)
    this.#expires.set(nonce, this.#options.clock.now() + this.#options.ttlMs)
    while (this.#expires.size > this.#options.maxEntries) {
      const oldest = this.#expires.keys().next().value as string
      this.#expires.delete(oldest)
      this.#options.log.warn({ entries: this.#options.maxEntries }, 'command replay cache is full: forgot its oldest nonce')
    }
    const file: NonceFile = { v: 1, expires: Object.fromEntries(this.#expires) }
    if (this.#notIssuedBeforeMs !== null) file.notIssuedBeforeMs = this.#notIssuedBeforeMs
    const bytes = JSON.stringify(file)
    // One writer at a time: writeFileAtomic uses a fixed temp name beside the file.
    const write = this.#writing.then(() => writeFileAtomic(this.#options.path, bytes, { mode: 0o600 }))
    this.#writing = write.catch(() => undefined)
    return write.catch((error: unknown) => {
      throw new StationError('E_INBOUND_REFUSED', `cannot write the command replay cache (${messageOf(error)})`, { path: this.#options.path }, { cause: error })
    })
  }

  #prune(): void {
    const nowMs = this.#options.clock.now()
    // Past the ttl, anything issued before the loss is stale anyway.
    if (this.#notIssuedBeforeMs !== null && this.#notIssuedBeforeMs + this.#options.ttlMs <= nowMs) this.#notIssuedBeforeMs = null
    for (const [nonce, expiresMs] of this.#expires) {
      if (expiresMs <= nowMs) this.#expires.delete(nonce)
    }
  }
}
