#!/usr/bin/python3
# feed-server.py DIR PORTFILE LOG [CERT KEY]: an HTTP/1.1 server (HTTPS with CERT and KEY) on 127.0.0.1 serving DIR's files
# for the feed download tests, with ETag and Last-Modified revalidation (304), and two
# misbehaving paths: /cut/NAME announces NAME's whole length but sends half of it and
# closes (a truncated download), /chunked/NAME sends NAME chunked. Each request is a line
# "METHOD PATH STATUS" in LOG. Writes the port to PORTFILE; stops on SIGTERM.
import email.utils, hashlib, http.server, os, signal, ssl, sys, threading

root, portfile, log = sys.argv[1], sys.argv[2], sys.argv[3]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def note(self, status):
        with open(log, "a") as f:
            f.write("%s %s %d\n" % (self.command, self.path, status))

    def do_GET(self):
        path = self.path.split("?")[0]
        mode = ""
        for m in ("/cut/", "/chunked/", "/moved/"):
            if path.startswith(m):
                mode, path = m, "/" + path[len(m):]
        if mode == "/moved/":
            self.send_response(302)
            self.send_header("Location", path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.note(302)
            return
        full = os.path.join(root, os.path.basename(path))
        if not os.path.isfile(full):
            body = b"not found\n"
            self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.note(404)
            return
        data = open(full, "rb").read()
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
        mtime = email.utils.formatdate(os.stat(full).st_mtime, usegmt=True)
        if self.headers.get("If-None-Match") == etag or (
            self.headers.get("If-None-Match") is None and self.headers.get("If-Modified-Since") == mtime
        ):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            self.note(304)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", mtime)
        if mode == "/chunked/":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(data), 700):
                piece = data[i : i + 700]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2] if mode == "/cut/" else data)
        self.wfile.flush()
        self.note(200)
        if mode == "/cut/":
            self.close_connection = True


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if len(sys.argv) > 5:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
srv.serve_forever()
