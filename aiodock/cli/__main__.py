"""``python -m aiodock.cli``: the ``aiodock`` command."""

import sys

from . import main

sys.exit(main())
