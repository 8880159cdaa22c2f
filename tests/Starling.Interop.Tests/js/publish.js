'use strict'
// Publishes the messages of --messages (a JSON array of {topic, payload, qos, retain, properties}, properties as
// MQTT.js names them: topicAlias, userProperties, ...) one after another, each only once the previous one is
// acknowledged, printing "PUBLISHED <n>" for each; then DISCONNECT and "DONE".
const { emit, fail, options, connect } = require('./common')

async function main () {
  const values = options({ messages: { type: 'string' } })
  const messages = JSON.parse(values.messages || '[]')
  const client = await connect(values)
  for (const [index, message] of messages.entries()) {
    await client.publishAsync(message.topic, message.payload, {
      qos: message.qos || 0,
      retain: !!message.retain,
      properties: message.properties
    }).catch((error) => fail(`publish ${index + 1}`, error))
    emit('PUBLISHED', index + 1)
  }
  await client.endAsync()
  emit('DONE')
}

main().catch((error) => fail('main', error))
