/**
 * The one poll-until of the test suite. `check` is called every POLL_MS (50 ms: some checks spawn
 * tmux or the CLI) until it returns a value
 * other than `undefined` or `false` (`true` counts), which is returned; a check that throws is
 * tried again and its last error is named if time runs out. Throws
 * `timed out waiting for <what>` after `timeoutMs`.
 */
const POLL_MS = 50

/** `pollMs`: sooner for a cheap synchronous check (an ink frame), the default where a check spawns. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  pollMs = POLL_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      lastError = error
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}
