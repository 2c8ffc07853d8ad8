/**
 * The listeners of one driver event (a key, a card, a fault). Each is called in the order added;
 * one that throws is handed to `onError` and the rest still run, so a broken subscriber never
 * silences a device. The value is not passed to `onError`: key sequences and card UIDs can be
 * personal data and must not reach a log.
 */
export class ListenerSet<T> {
  #listeners = new Set<(value: T) => void>()

  /** Returns a function that removes the listener again. */
  add(listener: (value: T) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  emit(value: T, onError: (error: unknown) => void): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(value)
      } catch (error) {
        onError(error)
      }
    }
  }
}
