import t from 'tap'
import { formatStationTopic, parseStationTopic, stationTopics, type StationTopic } from '../../../runtime/mqtt/topics.js'

t.test('builds every station topic under the prefix', async (t) => {
  const topics = stationTopics('cs/v1', 'hcm-q1-001')
  t.strictSame(
    [
      topics.status,
      topics.telemetry,
      topics.events,
      topics.submissions,
      topics.rpcRequest('bill.lookup'),
      topics.rpcResponse,
      topics.cmd('reboot'),
      topics.configDesired,
      topics.configReported,
      topics.flowsBundle,
      topics.cmdFilter,
    ],
    [
      'cs/v1/hcm-q1-001/status',
      'cs/v1/hcm-q1-001/telemetry',
      'cs/v1/hcm-q1-001/events',
      'cs/v1/hcm-q1-001/submissions',
      'cs/v1/hcm-q1-001/rpc/request/bill.lookup',
      'cs/v1/hcm-q1-001/rpc/response',
      'cs/v1/hcm-q1-001/cmd/reboot',
      'cs/v1/hcm-q1-001/config/desired',
      'cs/v1/hcm-q1-001/config/reported',
      'cs/v1/hcm-q1-001/flows/bundle',
      'cs/v1/hcm-q1-001/cmd/+',
    ],
  )
})

t.test('parses what it builds', async (t) => {
  const samples: StationTopic[] = [
    { stationId: 's1', kind: 'status' },
    { stationId: 's1', kind: 'rpc/response' },
    { stationId: 's1', kind: 'config/desired' },
    { stationId: 's1', kind: 'flows/bundle' },
    { stationId: 's1', kind: 'rpc/request', method: 'dossier.status' },
    { stationId: 's1', kind: 'cmd', name: 'print-test' },
  ]
  for (const topic of samples) {
    t.strictSame(parseStationTopic('cs/v1', formatStationTopic('cs/v1', topic)), topic)
  }
})

t.test('refuses station ids and names with wildcards, separators or nothing in them', async (t) => {
  for (const bad of ['', 'a+b', 'a#', 'a/b', 'nul\u0000']) {
    t.throws(() => stationTopics('cs/v1', bad), { code: 'E_CODEC_INVALID' }, `station id ${JSON.stringify(bad)}`)
  }
  const topics = stationTopics('cs/v1', 'ok-1')
  for (const bad of ['', 'bill/lookup', '+', '#']) {
    t.throws(() => topics.rpcRequest(bad), { code: 'E_CODEC_INVALID' }, `method ${JSON.stringify(bad)}`)
    t.throws(() => topics.cmd(bad), { code: 'E_CODEC_INVALID' }, `command ${JSON.stringify(bad)}`)
  }
  t.throws(() => stationTopics('cs//v1', 'ok-1'), { code: 'E_CODEC_INVALID' })
  t.throws(() => stationTopics('cs/#', 'ok-1'), { code: 'E_CODEC_INVALID' })
})

t.test('refuses topics outside the scheme when parsing', async (t) => {
  for (const bad of [
    'other/s1/status',
    'cs/v1/s1',
    'cs/v1/s1/unknown',
    'cs/v1/s1/rpc/request',
    'cs/v1/s1/rpc/request/a/b',
    'cs/v1/s1/cmd',
    'cs/v1/s1/cmd/a/b',
    'cs/v1/+/status',
    'cs/v1//status',
  ]) {
    t.throws(() => parseStationTopic('cs/v1', bad), { code: 'E_CODEC_INVALID' }, bad)
  }
})

t.test('topicMatchesFilter follows MQTT wildcard rules', async (t) => {
  const { topicMatchesFilter } = await import('../../../runtime/mqtt/topics.js')
  t.equal(topicMatchesFilter('cs/v1/s1/cmd/+', 'cs/v1/s1/cmd/ping'), true)
  t.equal(topicMatchesFilter('cs/v1/s1/cmd/+', 'cs/v1/s1/cmd/ping/extra'), false)
  t.equal(topicMatchesFilter('cs/v1/s1/cmd/+', 'cs/v1/s1/cmd'), false)
  t.equal(topicMatchesFilter('cs/v1/#', 'cs/v1/s1/cmd/ping'), true)
  t.equal(topicMatchesFilter('cs/v1/s1/status', 'cs/v1/s1/status'), true)
  t.equal(topicMatchesFilter('cs/v1/s1/status', 'cs/v1/s2/status'), false)
})
