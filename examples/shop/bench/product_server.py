"""The product service as the microservice articles write it in Python:
grpcio with a thread pool, GetProduct reading SQLite, mutual TLS and the
shop's HS256 token checked on each call. The peer of shop-product in
compare_python.sh (same database, same certificates, same token, same
answers).

    product_server.py GEN_DIR DB KEYS_DIR    prints "python product service
                                             listening on 127.0.0.1:PORT"
                                             and serves until SIGTERM
"""
import signal
import sqlite3
import sys
import threading
from concurrent import futures

gen_dir, db_path, keys = sys.argv[1:4]
sys.path.insert(0, gen_dir)

import grpc  # noqa: E402
import jwt  # noqa: E402
from google.protobuf.timestamp_pb2 import Timestamp  # noqa: E402
from product.v1 import product_pb2, product_pb2_grpc  # noqa: E402

with open(f"{keys}/token.secret", "rb") as f:
    SECRET = f.read()
local = threading.local()


def connection():
    if not hasattr(local, "db"):
        local.db = sqlite3.connect(db_path)
    return local.db


def timestamp(ms):
    t = Timestamp()
    t.FromMilliseconds(ms)
    return t


class ProductService(product_pb2_grpc.ProductServiceServicer):
    def GetProduct(self, request, context):
        auth = dict(context.invocation_metadata()).get("authorization", "")
        try:
            jwt.decode(auth.removeprefix("Bearer "), SECRET, algorithms=["HS256"],
                       audience="shop", issuer="shop-user-service")
        except jwt.PyJWTError as e:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, str(e))
        row = connection().execute(
            "SELECT id, name, description, category, price_cents, currency, created_ms,"
            " updated_ms FROM products WHERE id = ?", (request.id,)).fetchone()
        if row is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f'product "{request.id}" not found')
        return product_pb2.Product(id=row[0], name=row[1], description=row[2],
                                   category=row[3], price_cents=row[4], currency=row[5],
                                   created_at=timestamp(row[6]), updated_at=timestamp(row[7]))


def read(name):
    with open(f"{keys}/{name}", "rb") as f:
        return f.read()


server = grpc.server(futures.ThreadPoolExecutor(max_workers=10))
product_pb2_grpc.add_ProductServiceServicer_to_server(ProductService(), server)
creds = grpc.ssl_server_credentials([(read("product.key"), read("product.pem"))],
                                    root_certificates=read("ca.pem"), require_client_auth=True)
port = server.add_secure_port("127.0.0.1:0", creds)
server.start()
print(f"python product service listening on 127.0.0.1:{port}", flush=True)
signal.signal(signal.SIGTERM, lambda *_: server.stop(1))
server.wait_for_termination()
