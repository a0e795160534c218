"""Django settings: ``base`` (default), ``test`` and ``prod``; all values come from akhbar.config."""
