/**
 * `station ops send <station> <command> [json-args] --key KEY --broker URL …`: signs one command
 * with operations' key, sends it, and prints every response as one JSON line (docs/operations.md).
 * Exit 0 when the station ran it (final status done); 1 when it was refused or failed, or no final
 * answer came in time; 2 for usage errors.
 */
import { parseArgs } from 'node:util'
import { messageOf } from '../core/errors.js'
import { assertTopicLevel, assertTopicPrefix } from '../mqtt/topics.js'
import { sendCommand, type OpsTlsFiles } from '../ops/ops-client.js'
import { loadSigningKey } from '../ops/trusted-keys.js'
import type { ClientIo } from './client-commands.js'

export const OPS_SEND_USAGE = `usage: station ops send <station> <command> ['{"json":"args"}'] --key KEY --broker URL
         [--ca F] [--cert F --tls-key F] [--urgent] [--timeout-ms N] [--prefix cs/v1]
  --key         operations' Ed25519 private key (PEM) that signs the command
  --ca/--cert/--tls-key    TLS: the broker's CA, and this tool's client certificate and its key
  --urgent      run now even while a resident is being served
  --timeout-ms  how long to wait for the final answer (default 10000)`

export const DEFAULT_OPS_TIMEOUT_MS = 10_000

export async function opsCommand(args: readonly string[], io: ClientIo): Promise<number> {
  const [action, ...rest] = args
  if (action !== 'send') {
    io.err(OPS_SEND_USAGE)
    return 2
  }
  return opsSend(rest, io)
}

export async function opsSend(args: readonly string[], io: ClientIo): Promise<number> {
  const usage = (problem: string) => {
    io.err(`station ops send: ${problem}\n${OPS_SEND_USAGE}`)
    return 2
  }
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(args)
  } catch (error) {
    return usage(messageOf(error))
  }
  const { values, positionals } = parsed
  const [station, name, json, ...extra] = positionals
  if (!station || !name || extra.length > 0) return usage('needs <station> <command> and at most one JSON argument')
  if (!values.key) return usage('--key KEY is required (the signing key)')
  if (!values.broker) return usage('--broker URL is required')
  const prefix = values.prefix ?? 'cs/v1'
  try {
    assertTopicPrefix(prefix)
    assertTopicLevel(station, 'station id')
    assertTopicLevel(name, 'command name')
  } catch (error) {
    return usage(messageOf(error))
  }
  let commandArgs: Record<string, unknown> = {}
  if (json !== undefined) {
    let value: unknown
    try {
      value = JSON.parse(json)
    } catch {
      return usage(`the arguments are not JSON: ${json}`)
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return usage('the arguments must be a JSON object')
    commandArgs = value as Record<string, unknown>
  }
  const timeoutMs = values['timeout-ms'] === undefined ? DEFAULT_OPS_TIMEOUT_MS : Number(values['timeout-ms'])
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) return usage(`--timeout-ms must be a positive whole number (got ${values['timeout-ms']})`)
  if (values['tls-key'] !== undefined && values.cert === undefined) return usage('--tls-key needs --cert')
  const tls: OpsTlsFiles = {
    ...(values.ca ? { caFile: values.ca } : {}),
    ...(values.cert ? { certFile: values.cert } : {}),
    ...(values['tls-key'] ? { keyFile: values['tls-key'] } : {}),
  }
  try {
    const signingKey = await loadSigningKey(values.key)
    const outcome = await sendCommand({
      brokerUrl: values.broker,
      ...(Object.keys(tls).length > 0 ? { tls } : {}),
      topicPrefix: prefix,
      station,
      name,
      args: commandArgs,
      urgent: values.urgent === true,
      signingKey,
      timeoutMs,
      onResponse: (response) => io.out(JSON.stringify(response)),
    })
    const final = outcome.final
    if (final === null) {
      const queued = outcome.responses.some((response) => response.status === 'queued')
      io.err(
        `station ops send: no final answer from ${station} within ${timeoutMs} ms${queued ? ' (the command is queued and runs when the current session ends)' : ''}`,
      )
      return 1
    }
    if (final.status === 'done') return 0
    io.err(`station ops send: ${station} ${final.status} ${name}: ${final.reason ?? 'no reason given'}${final.message ? ` (${final.message})` : ''}`)
    return 1
  } catch (error) {
    io.err(`station ops send: ${messageOf(error)}`)
    return 1
  }
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      key: { type: 'string' },
      broker: { type: 'string' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      'tls-key': { type: 'string' },
      urgent: { type: 'boolean' },
      'timeout-ms': { type: 'string' },
      prefix: { type: 'string' },
    },
  })
}
