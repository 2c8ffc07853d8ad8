/**
 * `station flows bundle DIR --version N --sign KEY --out F [--stations a,b]`: checks a flows folder
 * and writes it as one signed flow bundle (docs/remote-config.md). A folder with any flow error is
 * not signed: the diagnostics are printed instead.
 */
import { writeFileAtomic } from '../core/atomic-write.js'
import type { FlowCapabilities } from '../../flows/engine/flow-validate.js'
import { messageOf } from '../core/errors.js'
import { BUNDLE_LIMITS, parseBundleBody, readBundleFolder, type FlowBundleBody } from '../ops/flow-bundle.js'
import { encodeSignedEnvelope, keyIdOf } from '../ops/signed-envelope.js'
import { loadSigningKey } from '../ops/trusted-keys.js'
import { flowsCheck, type FlowsIo } from './flows-command.js'

export interface BundleOptions {
  version?: string | undefined
  sign?: string | undefined
  out?: string | undefined
  /** Comma-separated station ids; absent = every station. */
  stations?: string | undefined
  /** What the check assumes stations offer (as `station flows check`). */
  capabilities?: FlowCapabilities
  now?: () => Date
}

export const BUNDLE_USAGE = 'usage: station flows bundle DIR --version N --sign KEY --out FILE [--stations id,id]'

/** Exit code 0 when written; 1 for flow errors or an unreadable folder/key; 2 for bad arguments. */
export async function flowsBundle(dir: string | undefined, options: BundleOptions, io: FlowsIo): Promise<number> {
  const version = Number(options.version)
  if (dir === undefined || options.sign === undefined || options.out === undefined || !Number.isSafeInteger(version) || version <= 0) {
    io.err(`${BUNDLE_USAGE}\n  (--version is a positive integer above the version the stations run)`)
    return 2
  }
  const stations = options.stations?.split(',').map((id) => id.trim()).filter((id) => id !== '')
  let files: Record<string, string>
  try {
    files = await readBundleFolder(dir)
  } catch (error) {
    io.err(messageOf(error))
    return 1
  }
  const checked = await flowsCheck([dir], io, options.capabilities ? { capabilities: options.capabilities } : {})
  if (checked !== 0) {
    io.err(`not signed: ${dir} has flow errors (above); stations refuse a bundle with any error`)
    return 1
  }
  const body: FlowBundleBody = {
    version,
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    ...(stations === undefined ? {} : { stations }),
    files,
  }
  // The station's own shape and size checks, so nothing is signed that every station would refuse.
  const parsed = parseBundleBody(body, stations?.[0] ?? '')
  if (!parsed.ok) {
    io.err(`not signed: ${parsed.message}`)
    return 1
  }
  try {
    const key = await loadSigningKey(options.sign)
    const payload = encodeSignedEnvelope('flow-bundle', body, key)
    if (payload.byteLength > BUNDLE_LIMITS.maxEnvelopeBytes) {
      io.err(`not signed: the bundle is ${payload.byteLength} bytes; stations take at most ${BUNDLE_LIMITS.maxEnvelopeBytes}`)
      return 1
    }
    await writeFileAtomic(options.out, payload, { mode: 0o644 })
    io.out(`bundle version ${version}: ${Object.keys(files).length} files, signed by key ${keyIdOf(key)}${stations ? ` for ${stations.join(', ')}` : ''} -> ${options.out}`)
    return 0
  } catch (error) {
    io.err(messageOf(error))
    return 1
  }
}
