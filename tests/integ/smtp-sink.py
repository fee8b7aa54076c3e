#!/usr/bin/python3
# smtp-sink.py DIR PORTFILE: a real SMTP server (aiosmtpd) on 127.0.0.1 that stores
# every message it is given, byte for byte, as DIR/NNNN.eml, and writes the port it
# listens on to PORTFILE. For the mail tests; stops on SIGTERM.
import os, signal, socket, sys, threading
from aiosmtpd.controller import Controller

class Store:
    def __init__(self, d):
        self.d, self.n = d, 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        tmp = os.path.join(self.d, ".%04d.tmp" % self.n)
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.d, "%04d.eml" % self.n))
        return "250 stored"

s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
c = Controller(Store(sys.argv[1]), hostname="127.0.0.1", port=port)
c.start()
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(port))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
done = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: done.set())
done.wait()
c.stop()
