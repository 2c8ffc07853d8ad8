import { randomBytes } from 'node:crypto'

/** A command body as operations sign it (docs/security.md): fresh nonce, issued now; `over` replaces any field. */
export const commandBody = (station: string, name: string, over: Record<string, unknown> = {}) => ({
  station,
  name,
  args: {},
  issuedAt: new Date().toISOString(),
  nonce: randomBytes(12).toString('hex'),
  ...over,
})
