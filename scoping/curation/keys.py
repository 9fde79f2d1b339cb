"""A record card that takes keyboard shortcuts, but never from someone typing.

The curation widgets show the record being decided in a :class:`KeyCard`: an HTML
card that, with the pointer over it, takes the keyboard focus and sends each key
pressed to Python. It takes the focus only when no text field has it, so a note
being typed stays in its box whatever the pointer does; and it listens to keys on
itself alone, never on the page, so a key typed into the note or tags box cannot
reach it. JupyterLab's own shortcuts (``m`` makes a cell Markdown) are suppressed
on the card, so a key pressed there is a decision and nothing else.

Written with anywidget (a small front-end module, no JupyterLab extension to build).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import pandas as pd
import traitlets

_FRONT_END = """
const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT"]);

function typing() {
  const active = document.activeElement;
  return !!active && (TYPING.has(active.tagName) || active.isContentEditable);
}

function render({ model, el }) {
  el.classList.add("scoping-card");
  el.tabIndex = 0;
  el.setAttribute("data-lm-suppress-shortcuts", "true");  // JupyterLab: keys are ours
  const draw = () => { el.innerHTML = model.get("value"); };
  draw();
  model.on("change:value", draw);
  el.addEventListener("mouseenter", () => {
    if (!typing()) el.focus({ preventScroll: true });  // never steal a text box's focus
  });
  el.addEventListener("keydown", (event) => {
    if (event.target !== el || event.repeat) return;
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    if (event.key.length !== 1) return;  // Tab, arrows, Escape: the browser's
    event.preventDefault();
    event.stopPropagation();
    model.send({ key: event.key });
  });
}

export default { render };
"""


class KeyCard(anywidget.AnyWidget):
    """An HTML card (``value``) that calls ``on_key(key)`` for each key pressed on it.

    Only single printable keys without Ctrl, Alt or Meta, and not held down, are sent;
    the front end focuses the card on pointer entry only when no text field has the
    focus (see the module's docstring).
    """

    _esm = _FRONT_END
    value = traitlets.Unicode("").tag(sync=True)

    def __init__(self, on_key: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_key = on_key
        self.on_msg(self._received)

    def _received(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        key = content.get("key") if isinstance(content, dict) else None
        if isinstance(key, str) and len(key) == 1:
            self._on_key(key)

    def press(self, key: str) -> None:
        """Act as if ``key`` were pressed on the card (what the front end's message does)."""
        self._received(self, {"key": key}, None)


def shown(value: Any) -> str:
    """A record's value as a card shows it: lists joined by "; ", missing as "".

    >>> shown(["Lee, K", "Moss, A"]), shown(float("nan")), shown(2020)
    ('Lee, K; Moss, A', '', '2020')
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return value
    if hasattr(value, "__iter__"):  # author and keyword lists
        return "; ".join(str(v) for v in value)
    return str(value)
