/**
 * `station keys generate --out DIR [--name NAME]`: a fresh Ed25519 key pair for operations' tools
 * (docs/security.md, "Keys"). The private key is never overwritten.
 */
import { mkdir } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { messageOf } from '../core/errors.js'
import { generateKeyPairFiles } from '../ops/trusted-keys.js'
import type { ClientIo } from './client-commands.js'

export const KEYS_USAGE = 'usage: station keys generate --out DIR [--name NAME]   (NAME: letters, digits, . _ -; default ops)'

/** A key name becomes a file name: no path separators, no leading dot. */
const KEY_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/

/** Exit 0 with the two paths and the key id; 1 when a private key of that name exists or the files cannot be written; 2 for usage. */
export async function keysCommand(args: readonly string[], io: ClientIo): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(args)
  } catch (error) {
    io.err(`${messageOf(error)}\n${KEYS_USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  const name = values.name ?? 'ops'
  if (positionals.length !== 1 || positionals[0] !== 'generate' || !values.out || !KEY_NAME.test(name)) {
    io.err(KEYS_USAGE)
    return 2
  }
  try {
    await mkdir(values.out, { recursive: true, mode: 0o700 })
    const pair = await generateKeyPairFiles(values.out, name)
    io.out(`private key: ${pair.privatePath}`)
    io.out(`public key:  ${pair.publicPath}`)
    io.out(`key id:      ${pair.keyId}`)
    return 0
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      io.err(`station keys generate: ${values.out}/${name}.key already exists; refusing to overwrite a private key (pick another --name or --out)`)
    } else {
      io.err(`station keys generate: ${messageOf(error)}`)
    }
    return 1
  }
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { out: { type: 'string' }, name: { type: 'string' } },
  })
}
