"""Briefing packs: parameters, data, sections, exports and the build.

The flow of one pack: :class:`~.params.PackParams` (what to select, for whom) ->
:func:`~.data.compute` (every record and count, with the ids behind each) ->
:mod:`~.sections` (HTML rendered from the data by the template) and
:mod:`~.exports` (evidence table, references, ``trace.json``) -> :mod:`~.build`
(papermill, HTML and PDF, manifest, staging folder). :mod:`~.matrix` reads
``packs.yml``.
"""

from .build import (
    DEFAULT_PACKS,
    OUTPUTS,
    TEMPLATE,
    build_all,
    build_pack,
    is_fresh,
    pack_key,
    render_html,
    render_pdf,
    template_parameters,
)
from .matrix import PackSpec, load_matrix
from .params import PARAMETERS, PackParams

__all__ = [
    "DEFAULT_PACKS",
    "OUTPUTS",
    "PARAMETERS",
    "TEMPLATE",
    "PackParams",
    "PackSpec",
    "build_all",
    "build_pack",
    "is_fresh",
    "load_matrix",
    "pack_key",
    "render_html",
    "render_pdf",
    "template_parameters",
]
