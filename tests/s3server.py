"""A real S3-protocol server on loopback (moto's server mode) for the S3 storage backend."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.fixtures.mail import free_port
from wegotwork.storage.s3 import S3Storage

ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"
REGION = "us-east-1"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The URL of an S3 server running in this process, on a free loopback port."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def make_bucket(endpoint: str) -> str:
    name = f"bucket-{secrets.token_hex(4)}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    ).create_bucket(Bucket=name)
    return name


def s3_settings(endpoint: str, bucket: str, prefix: str = "uploads") -> dict[str, object]:
    """Settings overrides that point the app's storage at ``bucket`` on ``endpoint``."""
    return {
        "storage_url": f"s3://{bucket}/{prefix}",
        "s3_endpoint_url": endpoint,
        "s3_region": REGION,
        "s3_access_key_id": ACCESS_KEY,
        "s3_secret_access_key": SECRET_KEY,
    }


def s3_storage(endpoint: str, bucket: str, prefix: str = "uploads") -> S3Storage:
    return S3Storage.from_url(
        f"s3://{bucket}/{prefix}",
        endpoint_url=endpoint,
        region=REGION,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
    )
