/** `scheme://host:port` of a broker URL, without credentials or path: for logs, health and messages a person reads. */
export function brokerLabel(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}`
  } catch {
    return '(unparseable url)'
  }
}
