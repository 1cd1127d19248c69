"""Serves moto's own WSGI application on loopback under waitress, for the sandbox.

`moto_server` runs the same application under werkzeug's development server. Four things make
that slow, and the benchmark meets them when 20 services' calls queue behind each other in moto's
one Python process:

- werkzeug's development server parses each request with http.server and logs each one.
- moto lists its own package directory (one stat per AWS service, about 180) on every request to
  route it. The listing cannot change while the process runs, so it is read once.
- moto's response serializer works out again, for every member of every answer, which attribute
  names to try on the Python object. The answer depends only on the picker, the object's class,
  the member's name and its botocore shape (moto caches the service model, so shapes live as long
  as the process), so it is worked out once per combination.
- moto lists the methods of the response class with inspect.getmembers on every request, to see
  whether it implements the action. Classes do not change while it runs: listed once per class.

Measured on this project's deploy calls, moto takes about 6.5 ms a call under `moto_server` and
about 3.5 ms under this host. Nothing else differs: the application, its backends and its answers
are moto's. With MOTO_HOST_VERIFY_CACHES=1 every cached answer is also worked out afresh and a
difference fails the request (the sandbox's tests run a deploy that way).

Usage: python3 moto_host.py <port>
"""

import logging
import os
import signal
import sys

VERIFY_ENV = "MOTO_HOST_VERIFY_CACHES"


class CacheMismatch(AssertionError):
    pass


def read_module_listing_once() -> None:
    import moto.backends

    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules


def remembered(compute, key_of, verify: bool):  # type: ignore[no-untyped-def]
    """`compute`, worked out once per key_of(*args); with `verify`, every time and compared."""
    known: dict = {}

    def lookup(*args):  # type: ignore[no-untyped-def]
        key = key_of(*args)
        answer = known.get(key)
        if answer is None or verify:
            fresh = compute(*args)
            if answer is not None and answer != fresh:
                raise CacheMismatch(f"{compute.__name__} for {key}: cached {answer}, fresh {fresh}")
            answer = known[key] = fresh
        return answer

    return lookup


def cache_attribute_names(verify: bool) -> None:
    from moto.core.serialize import XFormedAttributePicker

    compute = XFormedAttributePicker.get_possible_keys

    def attribute_names(picker, context):  # type: ignore[no-untyped-def]
        return tuple(compute(picker, context))

    XFormedAttributePicker.get_possible_keys = remembered(
        attribute_names,
        lambda picker, context: (
            type(picker),
            tuple(picker.alias_providers),
            type(context.obj),
            context.key,
            context.shape,
        ),
        verify,
    )


def cache_method_names(verify: bool) -> None:
    import moto.core.responses

    compute = moto.core.responses.method_names_from_class
    moto.core.responses.method_names_from_class = remembered(compute, lambda cls: cls, verify)


def main() -> None:
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: moto_host.py <port>")
    port = int(sys.argv[1])
    # moto builds some URLs from MOTO_PORT, as moto_server sets it.
    os.environ.setdefault("MOTO_PORT", str(port))

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from waitress import serve

    verify = os.environ.get(VERIFY_ENV) == "1"
    read_module_listing_once()
    cache_attribute_names(verify)
    cache_method_names(verify)
    if verify:
        print(f"moto_host: {VERIFY_ENV}=1, every cached answer is checked", file=sys.stderr)

    # Requests queued behind busy threads are expected here, not worth a warning each.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    # One Python process answers everything (moto's state lives in it), so threads only overlap
    # network waits; the GIL serializes the rest.
    serve(
        app,
        host="127.0.0.1",
        port=port,
        threads=8,
        connection_limit=1000,
        asyncore_use_poll=True,
        ident="moto",
    )


if __name__ == "__main__":
    main()
