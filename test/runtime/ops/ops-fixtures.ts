/**
 * Shared by the remote-config tests: operations' keys made by the test, a retained publisher, and
 * the bundled flows as bundle files (optionally edited).
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { connectAsync } from 'mqtt'
import { loadSigningKey, generateKeyPairFiles } from '../../../runtime/ops/trusted-keys.js'
import { FLOWS_DIR } from '../../support/station-rig.js'
import type { KeyObject } from 'node:crypto'
import { testDir } from '../../support/test-dir.js'

export interface OpsKeys {
  publicPath: string
  privatePath: string
  privateKey: KeyObject
}

/** A key pair in `dir` (created); call testDir(t) once per test and pass a folder under it. */
export async function opsKeys(dir: string, name = 'ops'): Promise<OpsKeys> {
  mkdirSync(dir, { recursive: true })
  const pair = await generateKeyPairFiles(dir, name)
  return { publicPath: pair.publicPath, privatePath: pair.privatePath, privateKey: await loadSigningKey(pair.privatePath) }
}

/** Publishes raw bytes retained at QoS 1, as operations' tools do. */
export async function publishRetained(url: string, topic: string, payload: Uint8Array | string): Promise<void> {
  const client = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 })
  try {
    await client.publishAsync(topic, Buffer.from(payload), { qos: 1, retain: true })
  } finally {
    await client.endAsync()
  }
}

/** The bundled flow files, each passed through `edit(name, text)`. */
export function bundledFlowFiles(edit: (name: string, text: string) => string = (_name, text) => text): Record<string, string> {
  const files: Record<string, string> = {}
  for (const name of readdirSync(FLOWS_DIR).filter((file) => file.endsWith('.yaml')).sort()) {
    files[name] = edit(name, readFileSync(join(FLOWS_DIR, name), 'utf8'))
  }
  return files
}

/**
 * The feedback flow in bundle `version`, at flow version `editedFlowVersion(version)`, with its topic
 * and phone prompts changed, so a test can tell which version a session runs. The flow's version is
 * kept apart from the bundled flow's, whatever that is.
 */
/** The version of the feedback flow the station ships (flows/security-feedback.yaml). */
export const BUNDLED_FEEDBACK_VERSION = Number(/^version: (\d+)$/m.exec(readFileSync(join(FLOWS_DIR, 'security-feedback.yaml'), 'utf8'))?.[1])

export const editedFlowVersion = (bundleVersion: number) => bundleVersion + 100

export function editedFeedback(version: number): Record<string, string> {
  return bundledFlowFiles((name, text) =>
    name === 'security-feedback.yaml'
      ? text
          .replace(/^version: \d+$/m, `version: ${editedFlowVersion(version)}`)
          .replace('text: { vi: "Khẩn cấp: gọi 113", en: "Emergency: call 113" }', 'text: { vi: "Chọn chủ đề mới", en: "New topic" }')
          .replace('vi: "SĐT liên hệ, có thể bỏ trống. Bấm OK"', 'vi: "Số máy mới, có thể bỏ trống"')
      : text,
  )
}
