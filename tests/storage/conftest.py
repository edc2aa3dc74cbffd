from tests.s3server import moto_endpoint

__all__ = ["moto_endpoint"]
