"""Evidence-scoping and synthesis workbench.

Stages: :mod:`scoping.io` and :mod:`scoping.ingest` (exports in), then deduplication,
tagging and topics, curation, briefing packs and audit.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("scoping-workbench")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"
