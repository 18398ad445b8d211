#!/usr/bin/python3
"""A Roost agent for a made-up serial sensor, the "ACME TH-1" (docs/agents.md).

The sensor sends one line per reading, `t=<celsius> h=<percent>`, and `!<text>` for an alarm.
It takes two commands, one line each: `CAL <offset>` (calibrate) and `INT <seconds>` (how often
it reports). This bridge reads the sensor's lines from a serial port, a pseudo-terminal, a FIFO
or stdin (`--serial -`), or makes readings up itself (`--simulate`), and speaks for it to a Roost
gateway over MQTT as a user with the `agent` role: it registers the sensor's thing
(`urn:roost:agent:<user>:<device>`), reports its values and alarms, and runs the actions and
property writes the gateway queues for it, once per item id.

Standard library and python3-paho-mqtt (Debian, 1.6) only.
"""
import argparse
import json
import os
import random
import ssl
import sys
import threading
import time
import tty
from collections import OrderedDict
from urllib.parse import urlparse

import paho.mqtt.client as mqtt

TD = {
    "@context": ["https://www.w3.org/2019/wot/td/v1", "https://www.w3.org/2022/wot/td/v1.1"],
    "title": "ACME TH-1 serial sensor",
    "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}},
    "security": "nosec_sc",
    "properties": {
        "temperature": {"type": "number", "unit": "degree Celsius", "readOnly": True, "observable": True, "forms": [{"href": "serial:///t"}]},
        "humidity": {"type": "number", "minimum": 0, "maximum": 100, "readOnly": True, "observable": True, "forms": [{"href": "serial:///h"}]},
        "interval": {"type": "integer", "minimum": 1, "maximum": 3600, "forms": [{"href": "serial:///INT"}]},
    },
    "actions": {
        "calibrate": {"input": {"type": "number", "minimum": -10, "maximum": 10}, "output": {"type": "object"}, "forms": [{"href": "serial:///CAL"}]},
    },
    "events": {"alarm": {"data": {"type": "string"}, "forms": [{"href": "serial:///!"}]}},
}
MAX_REMEMBERED = 1024


class Sensor:
    """The serial side: lines in, command lines out."""

    def __init__(self, path):
        self.fd = sys.stdin.fileno() if path == "-" else os.open(path, os.O_RDWR | os.O_NOCTTY)
        # Commands go back only to a terminal (a serial port, a pty); a pipe or a file is read only.
        self.tty = os.isatty(self.fd)
        if self.tty:
            tty.setraw(self.fd)

    def readlines(self):
        buf = b""
        while True:
            chunk = os.read(self.fd, 256)
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                yield line.decode("utf-8", "replace").strip()

    def command(self, line):
        if self.tty:
            os.write(self.fd, (line + "\n").encode())


class SimulatedSensor:
    """No hardware: a reading every `interval` seconds, a random walk."""

    def __init__(self, interval):
        self.interval = interval
        self.t, self.h = 21.0, 45.0

    def readlines(self):
        while True:
            time.sleep(self.interval)
            self.t += random.uniform(-0.2, 0.2)
            self.h = min(100.0, max(0.0, self.h + random.uniform(-1, 1)))
            yield "t=%.2f h=%.1f" % (self.t, self.h)

    def command(self, line):
        if line.startswith("INT "):
            self.interval = int(line.split()[1])


def parse_reading(line):
    """`t=21.5 h=40` -> ({"temperature": 21.5, "humidity": 40.0}, None); `!text` -> ({}, "text")."""
    if line.startswith("!"):
        return {}, line[1:].strip()
    names = {"t": "temperature", "h": "humidity"}
    values = {}
    for pair in line.split():
        key, _, value = pair.partition("=")
        if key in names:
            try:
                values[names[key]] = float(value)
            except ValueError:
                pass
    return values, None


class Agent:
    def __init__(self, args, sensor):
        self.args = args
        self.sensor = sensor
        self.offset = 0.0
        self.results = OrderedDict()  # item id -> result: a resent id is answered, not run again
        self.registered = threading.Event()
        self.root = "agents/%s" % args.username
        self.thing = "%s/things/%s" % (self.root, args.device)
        url = urlparse(args.url)
        websockets = url.scheme in ("ws", "wss")
        self.client = mqtt.Client(client_id="%s-%s" % (args.username, args.device), clean_session=True,
                                  transport="websockets" if websockets else "tcp")
        if websockets:
            self.client.ws_set_options(path=url.path or "/mqtt")
        if url.scheme in ("mqtts", "wss"):
            self.client.tls_set(ca_certs=args.ca, cert_reqs=ssl.CERT_REQUIRED)
        self.client.username_pw_set(args.username, args.password)
        self.client.on_connect = self.on_connect
        self.client.on_subscribe = self.on_subscribe
        self.client.on_message = self.on_message
        default_port = {"mqtt": 1883, "mqtts": 8883, "ws": 80, "wss": 443}[url.scheme]
        self.client.connect_async(url.hostname, url.port or default_port, keepalive=30)

    def publish(self, rest, payload):
        self.client.publish("%s/%s" % (self.thing, rest), json.dumps(payload), qos=1)

    def on_connect(self, client, userdata, flags, rc):
        if rc != 0:
            log("connection refused: %s" % mqtt.connack_string(rc))
            return
        client.subscribe(self.root + "/#", qos=1)

    def on_subscribe(self, client, userdata, mid, granted_qos):
        # Registered after the subscription, so the items it opens the window for reach us.
        self.publish("td", {"td": TD})
        self.registered.set()
        log("registered urn:roost:agent:%s:%s" % (self.args.username, self.args.device))

    def on_message(self, client, userdata, msg):
        try:
            body = json.loads(msg.payload)
        except ValueError:
            return
        if msg.topic == self.root + "/errors":
            log("refused: %s %s" % (body.get("code"), body.get("error")))
        elif msg.topic == self.thing + "/items":
            self.answer(body)

    def answer(self, item):
        result = self.results.get(item["id"])
        if result is None:
            result = self.run(item)
            self.results[item["id"]] = result
            if len(self.results) > MAX_REMEMBERED:
                self.results.popitem(last=False)
        self.publish("results", dict(result, id=item["id"]))

    def run(self, item):
        kind, name, value = item.get("kind"), item.get("name"), item.get("input")
        if kind == "action" and name == "calibrate":
            self.offset = float(value)
            self.sensor.command("CAL %s" % value)
            return {"state": "completed", "output": {"offset": self.offset}}
        if kind == "write" and name == "interval":
            self.sensor.command("INT %d" % value)
            return {"state": "completed"}
        return {"state": "failed", "error": "the TH-1 has no %s %s" % (kind, name)}

    def serve(self):
        self.client.loop_start()
        self.registered.wait()
        for line in self.sensor.readlines():
            values, alarm = parse_reading(line)
            if alarm is not None:
                self.publish("events/alarm", alarm)
            if "temperature" in values:
                values["temperature"] = round(values["temperature"] + self.offset, 2)
            if values:
                self.publish("properties", values)
        self.client.disconnect()
        self.client.loop_stop()


def log(text):
    print("roost-agent: " + text, file=sys.stderr, flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", default="mqtt://localhost:1883", help="mqtt://, mqtts://, ws://host:port/mqtt or wss://")
    p.add_argument("--username", required=True, help="a user with the agent role")
    p.add_argument("--password", default=os.environ.get("ROOST_AGENT_PASSWORD"), help="or ROOST_AGENT_PASSWORD")
    p.add_argument("--ca", help="CA certificate file for mqtts:// and wss://")
    p.add_argument("--device", default="th1", help="the sensor's device name (letters, digits, . _ -)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--serial", help="serial port, pseudo-terminal, FIFO or - for stdin")
    src.add_argument("--simulate", type=float, metavar="SECONDS", help="no sensor: a made-up reading every SECONDS")
    args = p.parse_args()
    if not args.password:
        p.error("--password or ROOST_AGENT_PASSWORD is required")
    sensor = Sensor(args.serial) if args.serial else SimulatedSensor(args.simulate)
    Agent(args, sensor).serve()


if __name__ == "__main__":
    main()
