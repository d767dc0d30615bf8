"""``python -m netrun_auth.cli``: the same as the ``netrun-auth`` command."""

from netrun_auth.cli import main

raise SystemExit(main())
