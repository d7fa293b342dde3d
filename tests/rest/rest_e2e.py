#!/usr/bin/env python3
"""REST transcoding, Connect and static files through the real server.

Starts tests/rest/rest_server (the Library service, a static directory) and
talks to it with real clients nobody here wrote: curl (REST, and Connect with
plain JSON), `buf curl --protocol connect`, and @connectrpc/connect-node
(connect_client.js). Usage:
  rest_e2e.py SERVER PROTOSET BUF NODE NODE_MODULES [--http1] [--part rest|connect]
"""
import os
import subprocess
import sys
import tempfile

SERVER, PROTOSET, BUF, NODE, NODE_MODULES = sys.argv[1:6]
HTTP1 = '--http1' in sys.argv[6:]
PART = sys.argv[sys.argv.index('--part') + 1] if '--part' in sys.argv else 'all'
HERE = os.path.dirname(os.path.abspath(__file__))
failures = []


def check(name, cond, detail=''):
    if not cond:
        failures.append(f'{name}: {detail}')
        print(f'FAIL {name}: {detail}')


# Requests refused before their body is read are sent without a body: over
# HTTP/2, curl 7.88 reports the server's RST_STREAM(NO_ERROR) after an early
# complete answer (RFC 9113 8.1) as error 92 and drops the answer.
def curl(url, *args):
    """Returns (status, headers dict (last value wins), body)."""
    proto = ['--http1.1'] if HTTP1 else ['--http2-prior-knowledge']
    out = subprocess.run(['curl', '-s', '-S', '-i', '--max-time', '10', *proto, *args, url],
                         capture_output=True, timeout=20)
    raw = out.stdout
    head, _, body = raw.partition(b'\r\n\r\n')
    if head.startswith(b'HTTP/1.1 100'):
        head, _, body = body.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split()[1]) if lines and lines[0].startswith('HTTP') else 0
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(':')
        headers[k.strip().lower()] = v.strip()
    return status, headers, body.decode('utf-8', 'replace')


def expect(name, url, status, *fragments, args=(), header=None, absent=()):
    got, headers, body = curl(url, *args)
    check(name, got == status, f'status {got}, want {status}; body {body[:300]!r}')
    for f in fragments:
        check(name, f in body, f'body {body[:400]!r} lacks {f!r}')
    for f in absent:
        check(name, f not in body, f'body {body[:400]!r} has {f!r}')
    if header:
        k, v = header
        check(name, headers.get(k) == v, f'header {k}: {headers.get(k)!r}, want {v!r}')
    return headers, body


def rest(u):
    J = ['-H', 'content-type: application/json']
    expect('get with a multi-segment variable', f'{u}/v1/shelves/1/books/2', 200,
           '"name":"shelves/1/books/2"', '"pages":"412"', '"genre":"FICTION"',
           header=('grpc-metadata-x-served-by', 'cgrpc'))
    expect('additional binding', f'{u}/v1/books/abc', 200, '"name":"abc"')
    expect('query: nested, repeated, enum, timestamp, bool',
           f'{u}/v1/shelves/7/books?page_size=3&tags=a&tags=b%20c&genre=SCIENCE'
           '&author.name=Ann+Lee&since=2024-01-02T03:04:05Z&available=true', 200,
           '"name":"shelves/7"', '"tags":["a","b c"]', '"genre":"SCIENCE"',
           '"author":{"name":"Ann Lee"}', '"published":"2024-01-02T03:04:05Z"', '"pages":"3"',
           '"available":true')
    expect('query: JSON names and enum numbers', f'{u}/v1/shelves/7/books?pageSize=2&genre=1', 200,
           '"pages":"2"', '"genre":"FICTION"')
    expect('unknown query parameter: 400', f'{u}/v1/shelves/7/books?page_sise=1', 400,
           '"code":3', 'page_sise')
    expect('bad query value: 400', f'{u}/v1/shelves/7/books?page_size=ten', 400, '"code":3')
    # grpc-gateway #224/#1168/#1373: slashes, %2F and colons in variables.
    expect('single-segment variable: %2F decoded', f'{u}/echo/a%2Fb', 200, '"path":"a/b"')
    expect('single-segment variable: a slash does not match', f'{u}/echo/a/b', 404, '"code":5')
    expect('multi-segment variable: %2F kept', f'{u}/v1/shelves/1/books/a%2Fb', 200,
           '"name":"shelves/1/books/a%2Fb"')
    expect('** variable: slashes', f'{u}/files/dir/sub/a%20b.txt', 200, '"path":"dir/sub/a b.txt"')
    expect('colon in the last segment, no verb', f'{u}/v1/books/urn:isbn:123', 200,
           '"name":"urn:isbn:123"')
    expect('custom verb', f'{u}/v1/shelves/1/books/2:cancel', 200, '"title":"cancelled"',
           args=['-X', 'POST', *J, '-d', '{}'])
    expect('custom verb with a colon before it', f'{u}/v1/shelves/1/books/a:b:cancel', 200,
           '"name":"shelves/1/books/a:b"', args=['-X', 'POST', *J, '-d', '{}'])
    expect('body field, path and query', f'{u}/v1/shelves/1/books?request_id=r9', 200,
           '"name":"shelves/1/books/r9"', '"title":"Dune"',
           args=['-X', 'POST', *J, '-d', '{"title":"Dune","pages":"3","tags":["x"]}'])
    expect('body "*" with a path variable inside it', f'{u}/v1/shelves/1/books/2', 200,
           '"name":"shelves/1/books/2"', '"title":"T"',
           args=['-X', 'PATCH', *J, '-d', '{"book":{"name":"zzz","title":"T"}}'])
    expect('unknown JSON field: 400', f'{u}/v1/shelves/1/books', 400, 'titel', '"code":3',
           args=['-X', 'POST', *J, '-d', '{"titel":"x"}'])
    expect('bad JSON: 400', f'{u}/v1/shelves/1/books', 400, '"code":3',
           args=['-X', 'POST', *J, '-d', '{"title":'])
    expect('delete', f'{u}/v1/shelves/1/books/2', 200, '{}', args=['-X', 'DELETE'])
    expect('response_body message', f'{u}/v1/shelves/1/books/2/author', 200,
           '{"name":"Ann","born":1970}')
    expect('response_body string', f'{u}/v1/shelves/1/books/2/title', 200,
           '"Title of shelves/1/books/2"')
    expect('response_body repeated', f'{u}/v1/shelves/1/books/2/tags', 200, '["sf","classic"]')
    expect('error as google.rpc.Status with grpc-gateway status', f'{u}/v1/books/missing-7', 404,
           '{"code":5,"message":"no book \\"missing-7\\"","details":[]}')
    expect('FAILED_PRECONDITION is 400, details as Any JSON', f'{u}/v1/books/details', 400,
           '{"code":9,"message":"book is lent out","details":[{"@type":'
           '"type.googleapis.com/resttest.Author","name":"Ann","born":1970}]}')
    headers, _ = expect('wrong verb: 405 with a JSON body', f'{u}/v1/shelves/1/books/2', 405,
                        '"code":12', args=['-X', 'PUT'])
    check('405 names the allowed verbs', headers.get('allow') == 'GET, PATCH, DELETE',
          str(headers.get('allow')))
    expect('unknown path: 404 with a JSON body', f'{u}/v9/nothing', 404, '"code":5')
    expect('bad escape in the path: 400', f'{u}/v1/books/a%zz', 400, '"code":3')
    _, body = expect('server streaming as newline-delimited JSON',
                     f'{u}/v1/shelves/9/books:stream?page_size=3', 200)
    check('three lines', body.splitlines() == [
        '{"result":{"name":"shelves/9/books/%d"}}' % i for i in range(3)], repr(body))
    _, body = expect('streaming error as the last line',
                     f'{u}/v1/shelves/error/books:stream?page_size=1', 200)
    check('error line', body.splitlines()[-1:] ==
          ['{"error":{"code":14,"message":"shelf on fire","details":[]}}'], repr(body))
    expect('HEAD through the GET rule', f'{u}/v1/books/abc', 200, args=['-I'], absent=['name'])


def connect_curl(u):
    J = ['-H', 'content-type: application/json']
    expect('connect unary JSON with plain curl', f'{u}/resttest.Library/GetBook', 200,
           '"title":"Title of x"', args=['-X', 'POST', *J, '-d', '{"name":"x"}'],
           header=('x-served-by', 'cgrpc'))
    headers, _ = expect('connect error JSON and status', f'{u}/resttest.Library/GetBook', 404,
                        '{"code":"not_found","message":"no book \\"missing\\""}',
                        args=['-X', 'POST', *J, '-d', '{"name":"missing"}'])
    check('connect error content type', headers.get('content-type') == 'application/json')
    expect('connect error details', f'{u}/resttest.Library/GetBook', 400,
           '"details":[{"type":"resttest.Author","value":"CgNBbm4Qsg8"}]',
           args=['-X', 'POST', *J, '-d', '{"name":"details"}'])
    expect('connect GET (NO_SIDE_EFFECTS)',
           f'{u}/resttest.Library/GetBook?connect=v1&encoding=json&message=%7B%22name%22%3A%22g%22%7D',
           200, '"name":"g"')
    expect('connect GET base64 proto', f'{u}/resttest.Library/GetBook?encoding=proto&base64=1&message=CgFn',
           200, args=['-H', 'accept: application/proto'])
    expect('connect GET refused for other methods',
           f'{u}/resttest.Library/ListBooks?encoding=json&message=%7B%7D', 501, '"code":"unimplemented"')
    expect('connect-protocol-version must be 1', f'{u}/resttest.Library/GetBook', 400,
           '"code":"invalid_argument"',
           args=['-X', 'POST', *J, '-H', 'connect-protocol-version: 2'])
    expect('connect-timeout-ms', f'{u}/resttest.Library/GetBook', 504, '"code":"deadline_exceeded"',
           args=['-X', 'POST', *J, '-H', 'connect-timeout-ms: 100', '-d', '{"name":"slow"}'])
    expect('connect unknown JSON field', f'{u}/resttest.Library/GetBook', 400,
           '"code":"invalid_argument"', args=['-X', 'POST', *J, '-d', '{"nam":"x"}'])
    expect('connect unary to a streaming method', f'{u}/resttest.Library/StreamBooks', 501,
           '"code":"unimplemented"', args=['-X', 'POST', *J])
    # gzip both ways: a gzip request body, and a large response compressed.
    with tempfile.NamedTemporaryFile(suffix='.gz') as f:
        import gzip
        f.write(gzip.compress(b'{"parent":"shelves/' + b'x' * 3000 + b'","pageSize":1}'))
        f.flush()
        headers, body = expect('connect gzip request and response', f'{u}/resttest.Library/ListBooks',
                               200, '"nextPageToken":"next"',
                               args=['-X', 'POST', *J, '-H', 'content-encoding: gzip',
                                     '-H', 'accept-encoding: gzip', '--compressed',
                                     '--data-binary', '@' + f.name])
        check('response gzip', headers.get('content-encoding') == 'gzip', str(headers))


def static(u, root):
    headers, body = expect('static index.html', f'{u}/static/', 200, '<h1>hi</h1>',
                           header=('content-type', 'text/html; charset=utf-8'))
    etag, modified = headers.get('etag'), headers.get('last-modified')
    check('etag and last-modified', bool(etag) and bool(modified), str(headers))
    expect('static 304 by ETag', f'{u}/static/index.html', 304, args=['-H', f'if-none-match: {etag}'])
    expect('static 304 by date', f'{u}/static/index.html', 304,
           args=['-H', f'if-modified-since: {modified}'])
    expect('static 200 for an old date', f'{u}/static/index.html', 200, '<h1>hi</h1>',
           args=['-H', 'if-modified-since: Mon, 01 Jan 2001 00:00:00 GMT'])
    expect('static content types', f'{u}/static/app.js', 200, 'console.log',
           header=('content-type', 'text/javascript; charset=utf-8'))
    expect('static css', f'{u}/static/sub/s.css', 200, header=('content-type', 'text/css; charset=utf-8'))
    expect('static HEAD', f'{u}/static/app.js', 200, args=['-I'], absent=['console'])
    expect('static missing file', f'{u}/static/nope.txt', 404)
    expect('static ..', f'{u}/static/../rest_secret.txt', 404, args=['--path-as-is'], absent=['secret'])
    expect('static %2e%2e', f'{u}/static/%2e%2e/rest_secret.txt', 404, args=['--path-as-is'],
           absent=['secret'])
    expect('static ..%2f', f'{u}/static/sub/..%2f..%2frest_secret.txt', 404, args=['--path-as-is'],
           absent=['secret'])
    expect('static symlink out of the directory', f'{u}/static/escape.txt', 404, absent=['secret'])
    expect('static symlink inside the directory', f'{u}/static/inside.js', 200, 'console.log')
    expect('static POST', f'{u}/static/app.js', 405, args=['-X', 'POST'])
    expect('static directory without slash', f'{u}/static/sub', 301)


def buf_connect(u, port):
    schema = PROTOSET + '#format=binpb'
    base = [BUF, 'curl', '--schema', schema, '--protocol', 'connect']
    if not HTTP1:
        base.append('--http2-prior-knowledge')
    out = subprocess.run(base + ['-d', '{"name":"x"}', f'{u}/resttest.Library/GetBook'],
                         capture_output=True, text=True, timeout=60)
    check('buf curl connect unary', out.returncode == 0 and '"Title of x"' in out.stdout,
          out.stdout + out.stderr)
    out = subprocess.run(base + ['-d', '{"parent":"shelves/2","page_size":2}',
                                 f'{u}/resttest.Library/StreamBooks'],
                         capture_output=True, text=True, timeout=60)
    check('buf curl connect streaming', out.returncode == 0 and 'shelves/2/books/1' in out.stdout,
          out.stdout + out.stderr)
    out = subprocess.run(base + ['-d', '{"name":"details"}', f'{u}/resttest.Library/GetBook'],
                         capture_output=True, text=True, timeout=60)
    check('buf curl connect error', out.returncode != 0 and 'failed_precondition' in out.stderr and
          'resttest.Author' in out.stderr, out.stdout + out.stderr)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, 'www')
        os.makedirs(os.path.join(root, 'sub'))
        with open(os.path.join(root, 'index.html'), 'w') as f:
            f.write('<h1>hi</h1>\n')
        with open(os.path.join(root, 'app.js'), 'w') as f:
            f.write('console.log(1);\n')
        with open(os.path.join(root, 'sub', 's.css'), 'w') as f:
            f.write('body{}\n')
        with open(os.path.join(tmp, 'rest_secret.txt'), 'w') as f:
            f.write('secret\n')
        os.symlink(os.path.join(tmp, 'rest_secret.txt'), os.path.join(root, 'escape.txt'))
        os.symlink(os.path.join(root, 'app.js'), os.path.join(root, 'inside.js'))
        server = subprocess.Popen([SERVER, root], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            line = server.stdout.readline().decode()
            if not line.startswith('port '):
                print('server did not start:', line)
                return 1
            port = int(line.split()[1])
            u = f'http://127.0.0.1:{port}'
            if PART in ('all', 'rest'):
                rest(u)
                static(u, root)
            if PART in ('all', 'connect'):
                connect_curl(u)
                buf_connect(u, port)
            if PART in ('all', 'connect'):
                env = dict(os.environ, NODE_PATH=NODE_MODULES)
                out = subprocess.run([NODE, os.path.join(HERE, 'connect_client.js'), str(port), PROTOSET,
                                      '1.1' if HTTP1 else '2'],
                                     capture_output=True, text=True, timeout=60, env=env)
                check('connect-node', out.returncode == 0, out.stdout + out.stderr)
                print(out.stdout, end='')
        finally:
            server.stdin.close()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        check('server exit', server.returncode == 0, f'exit {server.returncode}')
    print(f'{len(failures)} failed')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
