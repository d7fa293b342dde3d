#!/usr/bin/env python3
"""protoc-gen-cgrpc --cgrpc_opt=openapi on tests/rest/proto/resttest/library.proto:
the document parses, says OpenAPI 3, and has the paths, parameters, bodies,
responses and schemas the google.api.http rules give.
Usage: openapi_check.py PROTOC PLUGIN PROTO_DIR GOOGLEAPIS_DIR OUT_DIR"""
import json
import os
import subprocess
import sys

protoc, plugin, proto_dir, googleapis, out = sys.argv[1:6]
os.makedirs(out, exist_ok=True)
subprocess.run([protoc, f'--plugin=protoc-gen-cgrpc={plugin}', f'--cgrpc_out={out}',
                '--cgrpc_opt=openapi', f'-I{proto_dir}', f'-I{googleapis}', 'resttest/library.proto'],
               check=True)
doc = json.load(open(os.path.join(out, 'resttest', 'library.openapi.json')))
# A file without google.api.http rules gets no document.
subprocess.run([protoc, f'--plugin=protoc-gen-cgrpc={plugin}', f'--cgrpc_out={out}',
                '--cgrpc_opt=openapi', f'-I{googleapis}', 'google/api/http.proto'], check=True)
assert not os.path.exists(os.path.join(out, 'google', 'api', 'http.openapi.json'))

assert doc['openapi'].startswith('3.'), doc['openapi']
paths = doc['paths']
for p in ['/v1/{name}', '/v1/books/{name}', '/v1/{parent}/books', '/v1/{parent}/books:stream',
          '/v1/{book.name}', '/v1/{name}:cancel', '/v1/{name}/author', '/files/{path}', '/echo/{path}']:
    assert p in paths, (p, list(paths))
get = paths['/v1/{name}']['get']
assert get['operationId'] == 'Library_GetBook'
assert get['parameters'][0] == {'name': 'name', 'in': 'path', 'required': True,
                                'schema': {'type': 'string', 'pattern': '^shelves/[^/]+/books/[^/]+$'}}
assert paths['/v1/books/{name}']['get']['operationId'] == 'Library_GetBook2'
assert paths['/v1/{name}']['delete']['operationId'] == 'Library_DeleteBook'
lst = paths['/v1/{parent}/books']['get']
names = [p['name'] for p in lst['parameters']]
assert names == ['parent', 'page_size', 'tags', 'genre', 'author.name', 'author.born', 'since',
                 'available'], names
by_name = {p['name']: p for p in lst['parameters']}
assert by_name['tags']['schema'] == {'type': 'array', 'items': {'type': 'string'}}
assert by_name['since']['schema'] == {'type': 'string', 'format': 'date-time'}
assert by_name['genre']['schema']['enum'] == ['GENRE_UNSPECIFIED', 'FICTION', 'SCIENCE']
create = paths['/v1/{parent}/books']['post']
assert [p['name'] for p in create['parameters']] == ['parent', 'request_id']
assert create['requestBody']['content']['application/json']['schema'] == {
    '$ref': '#/components/schemas/resttest.Book'}
update = paths['/v1/{book.name}']['patch']
assert [p['name'] for p in update['parameters']] == ['book.name']  # body "*": no query
assert update['requestBody']['content']['application/json']['schema']['$ref'].endswith(
    'resttest.UpdateBookRequest')
author = paths['/v1/{name}/author']['get']['responses']['200']['content']['application/json']
assert author['schema'] == {'$ref': '#/components/schemas/resttest.Author'}
tags = paths['/v1/{name}/tags']['get']['responses']['200']['content']['application/json']
assert tags['schema'] == {'type': 'array', 'items': {'type': 'string'}}
assert 'head' in paths['/files/{path}'] and 'get' in paths['/files/{path}']
err = get['responses']['default']['content']['application/json']['schema']
assert err == {'$ref': '#/components/schemas/google.rpc.Status'}
schemas = doc['components']['schemas']
book = schemas['resttest.Book']['properties']
assert book['pages'] == {'type': 'string', 'format': 'int64'}
assert book['published'] == {'type': 'string', 'format': 'date-time'}
assert book['cover'] == {'type': 'string', 'format': 'byte'}
assert book['author'] == {'$ref': '#/components/schemas/resttest.Author'}
assert 'resttest.Author' in schemas and 'google.rpc.Status' in schemas
# Every $ref resolves.
def refs(x):
    if isinstance(x, dict):
        for k, v in x.items():
            if k == '$ref':
                yield v
            else:
                yield from refs(v)
    elif isinstance(x, list):
        for v in x:
            yield from refs(v)
for r in refs(doc):
    assert r.startswith('#/components/schemas/') and r.split('/')[-1] in schemas, r
print('openapi: ok')
