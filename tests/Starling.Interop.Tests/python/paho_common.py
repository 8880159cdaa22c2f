"""Shared by the paho-mqtt 1.6.1 scripts that Starling.Interop.Tests runs against a Starling broker.

Every script prints machine-checkable lines on stdout (one event per line, fields separated by spaces) and exits
0 on success, 2 on a deadline, 3 on a refused connection.
"""
import argparse
import sys
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

SESSION_EXPIRY = 300


def parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--version", choices=["311", "5"], required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--persistent", action="store_true",
                   help="3.1.1: clean session 0; 5.0: clean start 0 and a session expiry of %d s" % SESSION_EXPIRY)
    p.add_argument("--timeout", type=float, default=20.0, help="give up (exit 2) after this many seconds")
    return p


def emit(*fields):
    print(" ".join(str(f) for f in fields), flush=True)


class Runner:
    """A paho client driven by its own loop so the script decides when it is done."""

    def __init__(self, args):
        self.args = args
        self.v5 = args.version == "5"
        protocol = mqtt.MQTTv5 if self.v5 else mqtt.MQTTv311
        if self.v5:
            self.client = mqtt.Client(client_id=args.client_id, protocol=protocol)
        else:
            self.client = mqtt.Client(client_id=args.client_id, clean_session=not args.persistent, protocol=protocol)
        self.connected = False
        self.disconnected = False
        self.deadline = time.monotonic() + args.timeout
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        code = rc.value if hasattr(rc, "value") else rc
        emit("CONNECTED", "session_present=%d" % flags.get("session present", 0), "rc=%d" % code)
        if code != 0:
            sys.exit(3)
        self.connected = True

    def _on_disconnect(self, client, userdata, rc, properties=None):
        self.disconnected = True

    def connect(self):
        if self.v5:
            props = None
            if self.args.persistent:
                props = Properties(PacketTypes.CONNECT)
                props.SessionExpiryInterval = SESSION_EXPIRY
            self.client.connect(self.args.host, self.args.port, keepalive=60,
                                clean_start=not self.args.persistent, properties=props)
        else:
            self.client.connect(self.args.host, self.args.port, keepalive=60)
        self.loop_until(lambda: self.connected, "CONNACK")

    def loop_until(self, condition, what):
        while not condition():
            if time.monotonic() > self.deadline:
                emit("TIMEOUT", what)
                sys.exit(2)
            rc = self.client.loop(timeout=0.05)
            if rc != mqtt.MQTT_ERR_SUCCESS and not self.disconnected:
                emit("ERROR", "loop", mqtt.error_string(rc), "while waiting for", what)
                sys.exit(1)

    def disconnect(self):
        self.client.disconnect()
        self.loop_until(lambda: self.disconnected, "the end of the connection")
        emit("DONE")
