"""``python -m justicegap.cli``: the same as the ``justicegap`` command."""

from . import main

main()
