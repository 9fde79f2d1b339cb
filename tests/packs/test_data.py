"""Which works a pack counts as included, before and during the full-text stage."""

from scoping.packs.data import full_text_begun, included_works


def _flow(**boxes):
    empty = {
        "included": [],
        "awaiting_retrieval": [],
        "not_retrieved": {},
        "assessed": [],
        "studies_included": [],
        "full_text_maybe": [],
        "full_text_excluded": {},
        "awaiting_assessment": [],
    }
    return {"records": empty | boxes}


def test_before_full_text_work_the_title_and_abstract_inclusions_count():
    flow = _flow(included=["a", "b"], awaiting_retrieval=["a", "b"])
    assert not full_text_begun(flow)
    assert included_works(flow) == {"a", "b"}


def test_during_full_text_work_only_excluded_maybe_and_unretrieved_works_leave():
    flow = _flow(
        included=["a", "b", "c", "d", "e", "f"],
        awaiting_retrieval=["f"],
        not_retrieved={"not found": ["e"]},
        assessed=["a", "b", "c"],
        studies_included=["a"],
        full_text_maybe=["b"],
        full_text_excluded={"wrong concept": ["c"]},
        awaiting_assessment=["d"],
    )
    assert full_text_begun(flow)
    assert included_works(flow) == {"a", "d", "f"}


def test_a_work_given_up_as_not_retrieved_begins_the_full_text_stage():
    flow = _flow(included=["a", "b"], not_retrieved={"not found": ["a"]}, awaiting_retrieval=["b"])
    assert full_text_begun(flow) and included_works(flow) == {"b"}


def test_leave_out_drops_retracted_works_and_the_funnel_says_so(demo_built):
    from scoping.packs import PackParams
    from scoping.packs.data import compute

    flagged = compute(PackParams(stage="all"), demo_built)
    retracted = set(flagged.records.loc[flagged.records["retracted"], "record_id"])
    assert len(retracted) == 3  # demo.RETRACTED_STUDIES, each merged into one work
    assert set(flagged.evidence.loc[flagged.evidence["retracted"] != "", "record_id"]) == retracted
    left = compute(PackParams(stage="all", retracted="leave out"), demo_built)
    assert not set(left.records["record_id"]) & retracted
    step, kept = left.funnel[1]
    assert step == "retracted works left out" and len(kept) == len(flagged.records) - 3
    # a key message resting on a retracted study says so; left out, none does
    on_retracted = [m for m in flagged.messages if retracted & set(m.record_ids)]
    assert on_retracted and all("been retracted" in m.shown(240) for m in on_retracted)
    assert not any(m.caution for m in flagged.messages if m not in on_retracted)
    assert not any(m.caution for m in left.messages)
