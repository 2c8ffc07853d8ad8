/**
 * The options of the station's own services: broker link, trusted keys, storage, sessions and the
 * control socket. Device options live next to their drivers (drivers/<device>/<device>-options.ts);
 * `config/station-options.ts` composes both.
 */
import { LiteralUnion } from '../drivers/literal-union.js'
import { Type } from '@sinclair/typebox'

const MIB = 1024 * 1024

/** Formats named here are registered with their checkers in `config/formats.ts`. */
const AbsolutePath = (options: { default?: string; description: string; title?: string; 'x-default'?: string }) =>
  Type.String({ format: 'absolute-path', ...options })

const Int = (minimum: number, maximum: number, options: { default: number; description: string }) =>
  Type.Integer({ minimum, maximum, ...options })

export const StationIdOption = Type.String({
  pattern: '^[a-z0-9-]{3,40}$',
  errorMessage: 'must be 3 to 40 characters of a-z, 0-9 and -',
  'x-never-remote': "the station's identity (its MQTT client id and topic level)",
  default: 'sim-station',
  description: 'station id used in MQTT topics: 3 to 40 of a-z, 0-9 and -',
})

export const LANGUAGES = ['vi', 'en'] as const
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const

/** A name printed at the top of every receipt: one line of text, no control characters. */
const ReceiptName = Type.String({
  minLength: 1,
  maxLength: 80,
  pattern: '^[^\\u0000-\\u001f\\u007f]*\\S[^\\u0000-\\u001f\\u007f]*$',
  errorMessage: 'must be one line of 1 to 80 characters, not only spaces',
})

export const StationSection = Type.Object(
  {
    id: StationIdOption,
    defaultLanguage: LiteralUnion(LANGUAGES, { default: 'vi', description: 'language of the welcome screen' }),
    // Every receipt names where it was printed and who answers for it (docs/flows.md, "Receipts").
    site: Type.Union([ReceiptName, Type.Null()], {
      errorMessage: ReceiptName.errorMessage,
      default: null,
      description: "where the station stands, as the top of every receipt names it (e.g. 'Trạm DVC - 12 Lê Lợi, Quận 1'); null: receipts name the station id only",
    }),
    agency: Type.Union([ReceiptName, Type.Null()], {
      errorMessage: ReceiptName.errorMessage,
      default: null,
      description: "the agency that runs the station, first line of every receipt (e.g. 'UBND Phường Bến Thành'); null: none printed",
    }),
  },
  { additionalProperties: false },
)

export const LogSection = Type.Object(
  { level: LiteralUnion(LOG_LEVELS, { default: 'info', description: 'lowest level written' }) },
  { additionalProperties: false },
)

/** Client certificate for a broker with `require_certificate` (the certificate's CN is the station id). */
export const MqttTlsSection = Type.Object(
  {
    caFile: AbsolutePath({ title: "the broker's CA certificate, PEM", description: "CA certificate(s) that signed the broker's certificate (PEM)" }),
    certFile: AbsolutePath({ title: "the station's certificate, PEM", description: "the station's certificate (PEM), CN = station id" }),
    keyFile: AbsolutePath({ title: "the station's private key, PEM", description: "the station's private key (PEM), readable only by the service user" }),
  },
  {
    additionalProperties: false,
    'x-never-remote': "how the station knows its broker and proves itself to it: unset remotely, it would leave the link's security to whoever sent the change",
    description: 'client certificate for mqtts:// brokers with require_certificate; all three files are required',
  },
)

export const MqttSection = Type.Object(
  {
    url: Type.String({
      format: 'broker-url',
      default: 'auto',
      'x-render': 'url',
      description: "broker URL, or 'auto' (sim only: 127.0.0.1:1883 if it answers, else a private mosquitto, else offline)",
    }),
    urls: Type.Optional(
      Type.Array(Type.String({ format: 'listed-broker-url' }), {
        minItems: 1,
        errorMessage: 'must be a non-empty list of broker URLs',
        'x-render': 'url',
        description: "broker URLs tried in order (a cluster's nodes); when set it replaces `url`",
      }),
    ),
    tls: Type.Optional(MqttTlsSection),
    topicPrefix: Type.String({
      // No wildcards (+ #), no empty levels, and no leading '$', which MQTT 5 section 4.7.2 reserves for the broker.
      pattern: '^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$',
      errorMessage: 'must be topic levels of letters, digits, _ . - separated by / (no wildcards, no leading or trailing /)',
      default: 'cs/v1',
      description: 'first topic levels of every topic the station uses',
    }),
    username: Type.Optional(Type.String({ pattern: '\\S', errorMessage: 'must be a non-empty string', description: 'broker user name' })),
    passwordFile: Type.Optional(AbsolutePath({ description: 'file holding the broker password (kept out of the config file and logs)' })),
    // MQTT 5 section 3.1.2.10: Keep Alive is a two-byte integer; 0 turns it off.
    keepaliveS: Int(0, 65_535, { default: 30, description: 'MQTT keep alive; 0 turns it off' }),
    reconnectMinMs: Int(100, 3_600_000, { default: 500, description: 'first reconnect backoff; at most `reconnectMaxMs`' }),
    reconnectMaxMs: Int(100, 3_600_000, { default: 30_000, description: 'longest reconnect backoff' }),
    reconnectSpreadMs: Int(0, 3_600_000, {
      default: 10_000,
      description:
        'after a lost connection, the first reconnect waits a random 0..this ms (full jitter) so a fleet does not reconnect in one burst (docs/delivery.md, "Reconnect spread")',
    }),
    connectTimeoutMs: Int(100, 120_000, { default: 5_000, description: 'a connection attempt gives up after this long' }),
    telemetryIntervalS: Int(5, 86_400, { default: 60, description: 'time between telemetry messages' }),
  },
  { additionalProperties: false },
)

const TrustedKeys = (description: string) =>
  Type.Array(AbsolutePath({ description: 'Ed25519 public key, SPKI PEM file' }), {
    default: [],
    errorMessage: 'must be a list of absolute paths',
    description,
  })

/** Operations' public keys: commands, desired config and flow bundles must be signed by one of them. */
export const OpsSection = Type.Object(
  {
    trustedKeys: TrustedKeys(
      'Ed25519 public keys (SPKI PEM) whose signatures the station obeys for commands, desired config and flow bundles; list several to rotate a key',
    ),
    maxSkewS: Int(10, 86_400, {
      default: 300,
      description: "a command whose `issuedAt` is further than this from the station's clock is refused (stale or future)",
    }),
  },
  { additionalProperties: false, 'x-never-remote': 'which keys the station obeys: a stolen ops key must not be able to lock operators out' },
)

/** Central's public keys: its notifications and replies must be signed by one of them. */
export const CentralSection = Type.Object(
  {
    trustedKeys: TrustedKeys('Ed25519 public keys of central; its notifications and replies must carry one of their signatures'),
    ackTimeoutS: Int(1, 3_600, {
      default: 30,
      description:
        "after PUBACK, how long a submission waits for central's `submission.accepted` before it is published again with the same id; doubled after each timeout in a row, up to 8x, until central acknowledges anything (docs/delivery.md)",
    }),
    window: Int(1, 1024, {
      default: 64,
      description: 'submissions awaiting the broker\'s PUBACK at once; first published oldest first (docs/delivery.md, "The window")',
    }),
    maxUnacknowledged: Int(1, 65_536, {
      default: 1024,
      description: 'submissions sent and not yet acknowledged by central, at most (raised to `window` when below it)',
    }),
  },
  { additionalProperties: false, 'x-never-remote': "which keys central's messages must carry, and how delivery to central is paced" },
)

/** How the station checks a resident's identity document (docs/identity.md, docs/emrtd.md). */
export const IdentitySection = Type.Object(
  {
    cscaFiles: Type.Array(AbsolutePath({ description: 'X.509 certificate file, DER or PEM (several CERTIFICATE blocks allowed)' }), {
      default: [],
      errorMessage: 'must be a list of absolute paths',
      description:
        "country signing CA certificates a CCCD chip's document signer must be signed by (passive authentication, docs/emrtd.md); empty: no chip is trusted. A simulated station adds its own test CSCA",
    }),
  },
  { additionalProperties: false },
)

export const StorageSection = Type.Object(
  {
    keyFile: AbsolutePath({ 'x-default': '`<dataDir>/keys/outbox.key`', description: 'AES-256 key sealing submissions at rest; created 0600' }),
    outboxMaxBytes: Int(1 * MIB, 16 * 1024 * MIB, {
      default: 64 * MIB,
      description: 'bound on all outbox segments together; beyond it new submissions are refused (`outbox-bound`)',
    }),
    outboxSegmentBytes: Int(64 * 1024, 256 * MIB, {
      default: 4 * MIB,
      description: 'size at which the outbox starts a new segment file; a segment is deleted whole once all its submissions are delivered (docs/outbox.md)',
    }),
    reserveBytes: Int(0, 16 * 1024 * MIB, {
      default: 8 * MIB,
      description:
        "new submissions are refused (`disk-reserve`) while the data dir's filesystem has less free space than this, so delivery and the station's own files still have room (docs/storage-faults.md)",
    }),
  },
  { additionalProperties: false },
)

export const SessionSection = Type.Object(
  {
    idleTimeoutS: Int(5, 3_600, { default: 60, description: 'no key or card for this long returns to the welcome screen and wipes the session' }),
    endScreenS: Int(1, 300, { default: 8, description: 'how long the final screen of a procedure stays before the welcome screen' }),
    stopGraceS: Int(0, 600, {
      default: 45,
      description:
        "a stop (SIGTERM, `systemctl restart`) waits this long at most for the resident being served to finish; keep it below the unit's TimeoutStopSec less 15 s (docs/deployment.md)",
    }),
  },
  { additionalProperties: false },
)

export const FlowsSection = Type.Object(
  { dir: AbsolutePath({ 'x-default': 'the bundled flows', description: 'folder of flow YAML files; relative paths resolve against the config file' }) },
  { additionalProperties: false },
)

/** A socket mode as octal text ('0660', quoted: an unquoted 0660 is the decimal 660 in YAML 1.2) or a number (0o660). */
const SocketMode = Type.Transform(
  Type.Union([Type.String({ pattern: '^0?[0-7]{3}$' }), Type.Integer({ minimum: 0, maximum: 0o777 })], {
    errorMessage: "must be an octal mode such as '0660' (quoted)",
    'x-render': 'octal',
    default: '0660',
    description: "the socket's mode with the group (quote it: octal); owner read-write, nothing for others",
  }),
)
  .Decode((mode) => (typeof mode === 'number' ? mode : Number.parseInt(mode, 8)))
  .Encode((mode) => mode)

/** A group name as useradd/groupadd accept it (shadow-utils: at most 32 characters). */
export const GroupName = Type.String({
  pattern: '^[a-z_][a-z0-9_-]{0,30}\\$?$',
  errorMessage: 'must be a group name (a-z, 0-9, _ and -, starting with a letter or _, at most 32 characters)',
})

/** The control socket (docs/security.md, "The control socket"). */
export const ControlSection = Type.Object(
  {
    socketPath: Type.String({
      format: 'socket-path',
      'x-default': '`<dataDir>/station.sock`',
      description: 'the unix socket client commands use; at most 107 bytes (production: /run/citizen-station/station.sock)',
    }),
    group: Type.Union([GroupName, Type.Null()], {
      errorMessage: GroupName.errorMessage,
      // Technicians in this group may run `station status`, `maintenance` … (docs/security.md).
      default: 'citizen-station-tech',
      description: 'group given the socket after listen; null for none. Missing or not givable: one warning, socket 0600',
    }),
    mode: SocketMode,
    idleTimeoutMs: Int(100, 3_600_000, { default: 60_000, description: 'a connection without a request this long is closed' }),
    maxConnections: Int(1, 1024, { default: 64, description: 'connections at once; one more is told `too-many-connections` and closed' }),
  },
  { additionalProperties: false, 'x-never-remote': 'the control socket and who may use it' },
)
