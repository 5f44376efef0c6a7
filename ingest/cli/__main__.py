"""``python -m ingest.cli``: the ``dangjian`` command."""

import sys

from ingest.cli.main import main

sys.exit(main())
