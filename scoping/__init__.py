"""Evidence-scoping and synthesis workbench.

Stages: :mod:`scoping.io` and :mod:`scoping.ingest` (exports in), then deduplication,
tagging and topics, curation, briefing packs and audit.
"""

import sys
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("scoping-workbench")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"

# nbformat (the packs, the notebooks) imports jsonschema, whose format checkers import
# rfc3987_syntax when it is installed: that builds some 35 parsers at import, 2 s on
# these machines, in every command and every pack kernel, to check "iri" strings that
# no notebook schema has (python-jsonschema/jsonschema#1428). Marking it absent makes
# jsonschema skip that one checker; anything that imported it earlier keeps it.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
