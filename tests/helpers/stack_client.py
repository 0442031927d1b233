#!/usr/bin/python3
"""stack_client.py - a Python client of the daemon with a known chain of
functions, for xenstore-snoop -U (tests/integration/snoop_stacks.sh):

    <module> -> main -> configure_device -> publish_state -> pyxs write

It writes PATH = "ready" with pyxs (Debian's python3-pyxs), which
writes the socket ($XENSTORED_PATH) itself.  Run by Debian's
/usr/bin/python3, whose frames the snoop knows how to walk.

    stack_client.py PATH
"""
import os
import sys

from pyxs import Client


def publish_state(client, path):
    client.write(path.encode(), b"ready")


def configure_device(client, path):
    publish_state(client, path)


def main():
    with Client(unix_socket_path=os.environ["XENSTORED_PATH"]) as client:
        configure_device(client, sys.argv[1])


main()
