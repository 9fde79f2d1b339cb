"""The record card's keys, from Python (the browser test drives the real front end)."""

from scoping.curation.keys import KeyCard


def test_single_keys_reach_the_callback_and_nothing_else_does():
    pressed = []
    card = KeyCard(pressed.append, value="<b>A record</b>")
    for message in ({"key": "i"}, {"key": "Enter"}, {"key": ""}, {"other": "x"}, "i"):
        card._handle_custom_msg(message, None)
    card.press("u")
    assert pressed == ["i", "u"]


def test_the_front_end_never_takes_a_text_boxs_focus_and_mutes_lab_shortcuts():
    code = KeyCard._esm
    assert "data-lm-suppress-shortcuts" in code  # JupyterLab's own keys stop at the card
    assert "if (!typing()) el.focus" in code  # the pointer never steals a note's focus
    assert 'el.addEventListener("keydown"' in code and "document.addEventListener" not in code
