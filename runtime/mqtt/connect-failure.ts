/**
 * Why a connection attempt failed, in words an operator can act on. A refused certificate or
 * credential does not fix itself: it is named specifically (health, one error log line), while the
 * reconnect goes on slowly in case someone renews the certificate (docs/mqtt.md). Pure.
 */

export interface ConnectFailure {
  /**
   * Stable reason code for health detail and logs: `certificate-expired`, `certificate-untrusted`,
   * `certificate-required`, `certificate-rejected`, `broker-certificate-expired`,
   * `broker-certificate-untrusted`, `broker-name-mismatch`, `not-authorized`, `bad-credentials`,
   * or `network` for everything that may pass by itself.
   */
  reason: string
  /** Operator-facing, e.g. "broker refused the station certificate: certificate has expired". */
  message: string
  /** True when retrying cannot help until someone changes a certificate, key or credential. */
  credential: boolean
}

/** Node's TLS error codes (OpenSSL alerts from the broker, and checks of the broker's certificate). */
const TLS_FAILURES: Readonly<Record<string, Omit<ConnectFailure, 'credential'>>> = {
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: {
    reason: 'certificate-expired',
    message: 'broker refused the station certificate: certificate has expired',
  },
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: {
    reason: 'certificate-untrusted',
    message: 'broker refused the station certificate: signed by a CA the broker does not trust',
  },
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: {
    reason: 'certificate-required',
    message: 'broker requires a client certificate and none was sent (mqtt.tls)',
  },
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: {
    reason: 'certificate-rejected',
    message: 'broker refused the station certificate (bad certificate)',
  },
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED: {
    reason: 'certificate-rejected',
    message: 'broker refused the station certificate: certificate revoked',
  },
  ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR: {
    reason: 'certificate-rejected',
    message: 'broker refused the station certificate (key does not match)',
  },
  CERT_HAS_EXPIRED: { reason: 'broker-certificate-expired', message: "the broker's certificate has expired" },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
    reason: 'broker-certificate-untrusted',
    message: "the broker's certificate is not signed by mqtt.tls.caFile",
  },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: {
    reason: 'broker-certificate-untrusted',
    message: "the broker's certificate is not signed by mqtt.tls.caFile",
  },
  SELF_SIGNED_CERT_IN_CHAIN: {
    reason: 'broker-certificate-untrusted',
    message: "the broker's certificate chain ends in a CA not in mqtt.tls.caFile",
  },
  DEPTH_ZERO_SELF_SIGNED_CERT: {
    reason: 'broker-certificate-untrusted',
    message: "the broker's certificate is self-signed and not in mqtt.tls.caFile",
  },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    reason: 'broker-name-mismatch',
    message: "the broker's certificate does not name the host in the broker URL",
  },
}

/** MQTT 5 CONNACK reason codes that mean "you, with these credentials, may not connect". */
const CONNACK_FAILURES: Readonly<Record<number, Omit<ConnectFailure, 'credential'>>> = {
  134: { reason: 'bad-credentials', message: 'broker refused the connection: bad username or password' },
  135: { reason: 'not-authorized', message: 'broker refused the connection: not authorized' },
  138: { reason: 'not-authorized', message: 'broker refused the connection: client banned' },
  140: { reason: 'bad-credentials', message: 'broker refused the connection: bad authentication method' },
}

/** Classifies an error from a connection attempt (TLS handshake, socket, CONNACK). */
export function describeConnectFailure(error: Error): ConnectFailure {
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') {
    const tls = TLS_FAILURES[code]
    if (tls) return { ...tls, credential: true }
  }
  if (typeof code === 'number') {
    const connack = CONNACK_FAILURES[code]
    if (connack) return { ...connack, credential: true }
  }
  return { reason: 'network', message: error.message, credential: false }
}
