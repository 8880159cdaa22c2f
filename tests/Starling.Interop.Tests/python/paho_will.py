#!/usr/bin/python3
"""Connects with a will and then blocks until killed; the test kills it with SIGKILL so no DISCONNECT is sent.

Lines: CONNECTED session_present=<0|1> rc=<code>.
"""
import paho_common as common
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties


def main():
    p = common.parser(__doc__)
    p.add_argument("--will-topic", required=True)
    p.add_argument("--will-payload", required=True)
    p.add_argument("--will-qos", type=int, default=0)
    p.add_argument("--will-user-property", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="5.0 only: a user property of the will; repeat for several")
    args = p.parse_args()
    args.timeout = 600.0

    runner = common.Runner(args)
    properties = None
    if runner.v5 and args.will_user_property:
        properties = Properties(PacketTypes.WILLMESSAGE)
        properties.UserProperty = [tuple(pair) for pair in args.will_user_property]
    runner.client.will_set(args.will_topic, args.will_payload.encode("utf-8"), qos=args.will_qos, properties=properties)
    runner.connect()
    runner.loop_until(lambda: False, "SIGKILL")


if __name__ == "__main__":
    main()
