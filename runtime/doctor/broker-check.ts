/**
 * The broker must be reachable with the station's own settings: a TLS handshake against mqtt.tls.caFile
 * (chain valid, not near expiry) for mqtts://, then an MQTT CONNECT. Doctor connects with its own client
 * id (`cs-<station>-doctor`): the station's id would take over a running station's session.
 */
import { connect as connectTcp, isIP } from 'node:net'
import { connect as connectTls, type PeerCertificate } from 'node:tls'
import { X509Certificate } from 'node:crypto'
import type { MqttTlsConfig } from '../../config/schema.js'
import { messageOf } from '../core/errors.js'
import { describeConnectFailure } from '../mqtt/connect-failure.js'
import { errnoText, fail, pass, warn, type CheckResult, type DoctorIo } from './check-result.js'
import { certificateExpiryCheck, certificatesInPem, validityOf, type CertValidity } from './certificate-expiry.js'

export interface BrokerTarget {
  url: string
  stationId: string
  tls?: MqttTlsConfig | undefined
  username?: string | undefined
  passwordFile?: string | undefined
  connectTimeoutMs: number
}

/** What an MQTT CONNECT needs; `connect` resolves on CONNACK success and rejects with the failure. */
export interface MqttConnectOptions {
  clientId: string
  connectTimeoutMs: number
  username?: string
  password?: string
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
}
export type MqttConnect = (url: string, options: MqttConnectOptions) => Promise<void>

/**
 * The production MqttConnect: MQTT.js, MQTT 5, clean start, no reconnect; disconnects at once. Not
 * connectAsync: it neither settles on a close without an error nor keeps an error listener after.
 */
export const mqttJsConnect: MqttConnect = async (url, options) => {
  const { connect } = await import('mqtt')
  const client = connect(url, {
    protocolVersion: 5,
    clean: true,
    reconnectPeriod: 0,
    clientId: options.clientId,
    connectTimeout: options.connectTimeoutMs,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.cert === undefined ? {} : { cert: options.cert }),
    ...(options.key === undefined ? {} : { key: options.key }),
  })
  let failure: Error | undefined
  // Kept for the client's whole life: a late socket error with no listener would be thrown.
  client.on('error', (error) => {
    failure ??= error
  })
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve())
      client.once('close', () => reject(failure ?? new Error('the broker closed the connection before CONNACK')))
    })
  } finally {
    await client.endAsync(true).catch(() => undefined)
    // end() leaves the socket open when the broker sent garbage instead of a CONNACK.
    client.stream?.destroy()
  }
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'mqtt:': 1883, 'mqtts:': 8883, 'ws:': 80, 'wss:': 443 }
/** MQTT 5 CONNACK reason 0x85. */
const CLIENT_ID_NOT_VALID = 133
const RENEW = 'renew the certificate (docs/deployment.md, "Key custody")'

interface Handshake {
  /** Node's verification error code (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID…), or null. */
  authorizationError: string | null
  chain: CertValidity[]
}

/** Resolves once a TCP connection to host:port opens; rejects with the socket error or a timeout. */
function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port })
    socket.setTimeout(timeoutMs, () => {
      socket.destroy()
      reject(new Error(`no TCP connection within ${timeoutMs} ms`))
    })
    socket.once('error', reject)
    socket.once('connect', () => {
      socket.destroy()
      resolve()
    })
  })
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), timeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** A TLS handshake that keeps going past a bad chain, so the chain can be reported. */
function tlsHandshake(host: string, port: number, files: { ca?: Buffer; cert?: Buffer; key?: Buffer }, timeoutMs: number): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host, port, ...(isIP(host) ? {} : { servername: host }), ...files, rejectUnauthorized: false })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no TLS handshake within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.once('secureConnect', () => {
      clearTimeout(timer)
      const chain: CertValidity[] = []
      let cert: PeerCertificate | undefined = socket.getPeerCertificate(true)
      // The detailed chain ends in a certificate that is its own issuer.
      while (cert?.raw && chain.length < 10) {
        chain.push(validityOf(new X509Certificate(cert.raw)))
        const issuer: PeerCertificate | undefined = (cert as { issuerCertificate?: PeerCertificate }).issuerCertificate
        cert = issuer === cert || issuer?.fingerprint256 === cert.fingerprint256 ? undefined : issuer
      }
      const error = socket.authorizationError as unknown
      resolve({ authorizationError: error ? String((error as { code?: string }).code ?? error) : null, chain })
      socket.destroy()
    })
  })
}

/** Results for one broker URL: `tls` ones for mqtts/wss, then `broker`. */
export async function brokerCheck(io: DoctorIo, target: BrokerTarget, connect: MqttConnect = mqttJsConnect): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  let url: URL
  try {
    url = new URL(target.url)
  } catch {
    return [fail('broker', `${target.url} is not a URL`, 'fix mqtt.url')]
  }
  const label = `${url.protocol}//${url.host}`
  const secure = url.protocol === 'mqtts:' || url.protocol === 'wss:'
  const options: MqttConnectOptions = { clientId: `cs-${target.stationId}-doctor`, connectTimeoutMs: target.connectTimeoutMs }
  try {
    if (target.username !== undefined) options.username = target.username
    if (target.passwordFile !== undefined) options.password = (await io.readFile(target.passwordFile)).toString('utf8').trim()
    if (target.tls) {
      options.ca = await io.readFile(target.tls.caFile)
      options.cert = await io.readFile(target.tls.certFile)
      options.key = await io.readFile(target.tls.keyFile)
    }
  } catch (error) {
    return [fail('broker', `cannot read a broker credential file: ${messageOf(error)}`, 'check mqtt.tls / mqtt.passwordFile paths and modes')]
  }
  const nowMs = io.nowMs()
  if (options.cert) {
    let own: CertValidity[] = []
    try {
      own = certificatesInPem(options.cert.toString('utf8')).slice(0, 1).map(validityOf)
    } catch (error) {
      results.push(fail('tls', `station certificate ${target.tls?.certFile}: ${messageOf(error)}`, RENEW))
    }
    if (own.length > 0 || results.length === 0) results.push(certificateExpiryCheck('station certificate', own, nowMs, RENEW))
  }
  const port = url.port === '' ? (DEFAULT_PORTS[url.protocol] as number) : Number(url.port)
  const unreachable = (error: unknown) =>
    fail('broker', `${label} unreachable: ${messageOf(error)}`, 'check the network, mqtt.url and that the broker runs')
  if (!secure) {
    try {
      await tcpConnect(url.hostname, port, target.connectTimeoutMs)
    } catch (error) {
      return [...results, unreachable(error)]
    }
  } else {
    try {
      const { ca, cert, key } = options
      const handshake = await tlsHandshake(url.hostname, port, { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) }, target.connectTimeoutMs)
      if (handshake.authorizationError !== null) {
        const failure = describeConnectFailure(Object.assign(new Error(handshake.authorizationError), { code: handshake.authorizationError }))
        results.push(fail('tls', `${label}: ${failure.message} (${handshake.authorizationError})`, 'check mqtt.tls.caFile and the broker certificate'))
      } else results.push(certificateExpiryCheck(`${label} chain`, handshake.chain, nowMs, "renew the broker's certificate"))
    } catch (error) {
      return [...results, unreachable(error)]
    }
  }
  try {
    await withTimeout(connect(target.url, options), target.connectTimeoutMs + 1000, `no CONNACK within ${target.connectTimeoutMs} ms`)
    results.push(pass('broker', `${label} accepts MQTT CONNECT`))
  } catch (error) {
    const failure = describeConnectFailure(error as Error)
    if ((error as { code?: unknown }).code === CLIENT_ID_NOT_VALID) {
      // An ACL that allows only cs-<station id> refuses doctor's own id; the station's may still pass.
      results.push(warn('broker', `${label} refused doctor's client id`, 'nothing, if the broker allows only cs-<station id>'))
    } else if (failure.reason === 'network') {
      results.push(fail('broker', `${label} refused MQTT: ${failure.message || errnoText(error)}`, 'check mqtt.url (port, path) and the broker log'))
    } else {
      results.push(fail('broker', `${label}: ${failure.message}`, 'check the station certificate, username and ACL'))
    }
  }
  return results
}
