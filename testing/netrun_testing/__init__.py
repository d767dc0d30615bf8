"""What the tests and the benchmarks share: real servers on loopback and key fixtures.

- :mod:`netrun_testing.ports`: free loopback ports (Cluster-safe), waiting for one to open.
- :mod:`netrun_testing.servers`: a process serving on a free port (uvicorn, the
  ``netrun-auth`` console script), a clean environment, raw HTTP requests.
- :mod:`netrun_testing.redis_servers`: ``redis-server`` single nodes and Clusters (3
  primaries, optionally with replicas: failover).
- :mod:`netrun_testing.keys`: key pairs, key files and settings for ``AuthConfig``.
- :mod:`netrun_testing.machine`: one line describing the machine (benchmark reports).
- :mod:`netrun_testing.debian`: find a system binary, installing its Debian package.

Why a top-level package in ``testing/`` (and not ``tests/support``): the benchmarks run
as plain scripts (``python bench/http/run.py``), where ``tests`` is not importable, and
they must not depend on pytest or on the layout of the test tree. ``scripts/setup``
puts ``testing/`` on the virtualenv's path with a ``.pth`` file, so both import it as
``import netrun_testing`` with no ``sys.path`` edits; pytest also adds it
(``pythonpath`` in ``pyproject.toml``) for a checkout whose ``.venv`` predates the
``.pth``. It is not part of the published ``netrun_auth`` package.
"""
