'use strict'
// Shared by the MQTT.js 5.16.0 scripts that Starling.Interop.Tests runs against a Starling broker. Every script
// prints machine-checkable lines on stdout (one event per line) and exits 0 on success, 1 on an error, 2 on its
// deadline.
const { parseArgs } = require('node:util')
const mqtt = require('mqtt')

function emit (...fields) {
  console.log(fields.join(' '))
}

function fail (what, error) {
  emit('ERROR', what, error && error.message ? error.message : String(error))
  process.exit(1)
}

function options (extra) {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      'client-id': { type: 'string' },
      timeout: { type: 'string', default: '20' },
      ...extra
    }
  })
  if (!values.port || !values['client-id']) fail('usage', '--port and --client-id are required')
  setTimeout(() => { emit('TIMEOUT'); process.exit(2) }, Number(values.timeout) * 1000).unref()
  return values
}

// Connects with MQTT 5.0 and no automatic reconnect; resolves after CONNACK, printing
// "CONNECTED session_present=<0|1> topic_alias_maximum=<n>".
function connect (values, connectOptions) {
  return new Promise((resolve) => {
    const client = mqtt.connect(`mqtt://${values.host}:${values.port}`, {
      protocolVersion: 5,
      clientId: values['client-id'],
      reconnectPeriod: 0,
      connectTimeout: 10000,
      ...connectOptions
    })
    client.once('connect', (connack) => {
      const max = (connack.properties && connack.properties.topicAliasMaximum) || 0
      emit('CONNECTED', `session_present=${connack.sessionPresent ? 1 : 0}`, `topic_alias_maximum=${max}`)
      resolve(client)
    })
    client.on('error', (error) => fail('client', error))
  })
}

module.exports = { emit, fail, options, connect }
