'use strict'
// Subscribes to every --filter in one SUBSCRIBE and prints each message as
//   MESSAGE <topic> <payload> <user properties as JSON, {} when none>
// after "SUBACK <granted,...>". Ends (DISCONNECT, "DONE") after --count messages, or when a message arrives on
// --end-topic (which it subscribes to as well, printing "END" instead of MESSAGE for it). With
// --topic-alias-maximum it lets the broker use that many topic aliases towards it (MQTT.js resolves them) and adds
// " alias=<n>" to each MESSAGE line, 0 when the PUBLISH carried none.
const { emit, fail, options, connect } = require('./common')

async function main () {
  const values = options({
    filter: { type: 'string', multiple: true, default: [] },
    qos: { type: 'string', default: '0' },
    count: { type: 'string' },
    'end-topic': { type: 'string' },
    'topic-alias-maximum': { type: 'string' }
  })
  const aliases = values['topic-alias-maximum'] !== undefined
  const client = await connect(values, aliases ? { properties: { topicAliasMaximum: Number(values['topic-alias-maximum']) } } : {})
  const qos = Number(values.qos)
  const count = values.count === undefined ? Infinity : Number(values.count)
  let received = 0
  // Deferred so the acknowledgement of the last message goes out before DISCONNECT.
  const finish = () => setImmediate(() => client.end(false, {}, () => { emit('DONE'); process.exit(0) }))

  client.on('message', (topic, payload, packet) => {
    if (topic === values['end-topic']) {
      emit('END')
      finish()
      return
    }
    const userProperties = (packet.properties && packet.properties.userProperties) || {}
    const fields = ['MESSAGE', topic, payload.toString('utf8'), JSON.stringify(userProperties)]
    if (aliases) fields.push(`alias=${(packet.properties && packet.properties.topicAlias) || 0}`)
    emit(...fields)
    if (++received >= count) finish()
  })

  const filters = {}
  for (const filter of values.filter) filters[filter] = { qos }
  if (values['end-topic']) filters[values['end-topic']] = { qos }
  client.subscribe(filters, (error, granted) => {
    if (error) fail('subscribe', error)
    emit('SUBACK', granted.map((g) => g.qos).join(','))
  })
}

main().catch((error) => fail('main', error))
