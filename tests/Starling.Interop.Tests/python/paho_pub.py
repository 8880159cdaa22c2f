#!/usr/bin/python3
"""Connects, publishes each --payload in order to --topic, waits until every one is acknowledged, disconnects.

Lines: CONNECTED session_present=<0|1> rc=<code>; PUBLISHED <n> (once per acknowledged message, in order); DONE.
"""
import paho_common as common


def main():
    p = common.parser(__doc__)
    p.add_argument("--topic", required=True)
    p.add_argument("--qos", type=int, default=0)
    p.add_argument("--retain", action="store_true")
    p.add_argument("--payload", action="append", required=True, help="one message; repeat for several")
    args = p.parse_args()

    runner = common.Runner(args)
    acknowledged = []
    runner.client.on_publish = lambda client, userdata, mid: acknowledged.append(mid)
    runner.connect()
    infos = [runner.client.publish(args.topic, payload.encode("utf-8"), qos=args.qos, retain=args.retain)
             for payload in args.payload]
    runner.loop_until(lambda: len(acknowledged) == len(infos), "acknowledgements")
    for n, info in enumerate(infos, 1):
        if info.mid in acknowledged:
            common.emit("PUBLISHED", n)
    runner.disconnect()


if __name__ == "__main__":
    main()
