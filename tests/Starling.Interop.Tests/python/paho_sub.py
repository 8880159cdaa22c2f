#!/usr/bin/python3
"""Connects, subscribes (unless --no-subscribe), prints each message, disconnects after --count messages.

Lines: CONNECTED session_present=<0|1> rc=<code>; SUBSCRIBED <granted,...>; MESSAGE <topic> qos=<q> retain=<0|1>
<payload>; DONE.
"""
import paho_common as common


def main():
    p = common.parser(__doc__)
    p.add_argument("--topic", action="append", default=[], help="a topic filter; repeat for several")
    p.add_argument("--qos", type=int, default=0)
    p.add_argument("--count", type=int, required=True, help="messages to wait for (0: disconnect after SUBACK)")
    p.add_argument("--no-subscribe", action="store_true", help="rely on the session's subscriptions")
    args = p.parse_args()

    runner = common.Runner(args)
    received = []
    subscribed = []

    def on_subscribe(client, userdata, mid, granted, properties=None):
        codes = [g.value if hasattr(g, "value") else g for g in granted]
        common.emit("SUBSCRIBED", ",".join(str(c) for c in codes))
        subscribed.append(mid)

    def on_message(client, userdata, message):
        common.emit("MESSAGE", message.topic, "qos=%d" % message.qos, "retain=%d" % int(message.retain),
                    message.payload.decode("utf-8"))
        received.append(message)

    runner.client.on_subscribe = on_subscribe
    runner.client.on_message = on_message
    runner.connect()
    if not args.no_subscribe:
        runner.client.subscribe([(t, args.qos) for t in args.topic])
        runner.loop_until(lambda: subscribed, "SUBACK")
    runner.loop_until(lambda: len(received) >= args.count, "%d messages" % args.count)
    # One more turn so the acknowledgement of the last message (PUBACK, PUBCOMP) is written before DISCONNECT.
    runner.client.loop(timeout=0.05)
    runner.disconnect()


if __name__ == "__main__":
    main()
