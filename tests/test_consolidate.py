"""Consolidation: order, provenance, actions and statistics placement, references, principles."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from conftest import WriteWorkbook, edit_cells

from gcmreview.prepared import prepare


def _two_ministries(write_workbook: WriteWorkbook, data: dict[str, Any]) -> None:
    write_workbook(data)
    coord = copy.deepcopy(data)
    coord["contributor"] = "COORD"
    coord["identity"]["ministry"] = "Coordinating secretariat"
    coord["answers"] = [{"question": "1a", "objectives": [2], "text": {"en": "The coordinator's overview [@survey2016]."}}]
    coord["actions"] = []
    coord["statistics"] = []
    coord["principles"] = [{"principle": "human-rights", "integrated": False, "explanation": {}}]
    write_workbook(coord)


def test_coordinator_leads_then_review_order(write_workbook: WriteWorkbook, workspace: Path, contribution_data: dict[str, Any]) -> None:
    _two_ministries(write_workbook, contribution_data)
    sub = prepare(workspace).submission
    answer = sub.answer("1a")
    assert answer is not None
    assert [(p.contributor, p.lead) for p in answer.paragraphs] == [("COORD", True), ("LAB", False)]
    lab = answer.paragraphs[1]
    assert (lab.source.file, lab.source.sheet) == ("inputs/lab.xlsx", "Answers")
    assert lab.source.cells == ["A5", "D5", "E5", "F5"]
    assert [c.code for c in sub.contributors] == ["COORD", "LAB", "HEALTH"]
    assert [c.file for c in sub.contributors] == ["inputs/coord.xlsx", "inputs/lab.xlsx", None]


def test_actions_under_question_b_and_statistics_under_a(write_workbook: WriteWorkbook, workspace: Path, contribution_data: dict[str, Any]) -> None:
    contribution_data["actions"][0]["objectives"] = [6, 10]  # cluster 1 and cluster 2
    contribution_data["statistics"][0]["objectives"] = [21]  # cluster 2
    write_workbook(contribution_data)
    sub = prepare(workspace).submission
    assert [(g.objective, [a.action.title for a in g.actions]) for g in sub.answer("1b").actions] == [(6, ["Labour Migration Policy"])]
    assert [(g.objective, len(g.actions)) for g in sub.answer("2b").actions] == [(10, 1)]
    assert sub.answer("3b").actions == [] and sub.answer("1a").statistics == []
    stats = sub.answer("2a").statistics
    assert [(s.contributor, s.statistic.value, s.source.cells) for s in stats] == [("LAB", 1500, ["A5", "B5", "C5", "D5", "E5", "F5", "G5", "H5", "I5"])]


def test_references_merged_by_key_and_url_and_conflicts_named(write_workbook: WriteWorkbook, workspace: Path, contribution_data: dict[str, Any]) -> None:
    _two_ministries(write_workbook, contribution_data)
    health = copy.deepcopy(contribution_data)
    health["contributor"] = "HEALTH"
    health["answers"] = [{"question": "3a", "text": {"en": "Clinics served returnees [@ret] and [@survey2016]."}}]
    health["actions"], health["statistics"], health["principles"] = [], [], []
    health["references"] = [
        {"key": "ret", "citation": "Another title for the same report", "url": "https://example.org/report.pdf/"},
        {"key": "survey2016", "citation": "A different 2016 survey on clinics.", "url": "https://example.org/clinics"},
    ]
    write_workbook(health)
    prepared = prepare(workspace)
    sub = prepared.submission
    assert [r.id for r in sub.references] == ["survey2016", "survey2016-health"]
    assert sub.references[0].cited_as == ["COORD:survey2016", "LAB:survey2016", "HEALTH:ret"]
    assert sub.citation_ids["HEALTH:survey2016"] == "survey2016-health"
    conflict = [str(d) for d in prepared.diagnostics if d.code == "GCM231"]
    assert conflict == [
        "inputs/health.xlsx, sheet References, cell A6: error GCM231: Reference key 'survey2016' means another source in "
        "inputs/coord.xlsx, sheet References, cell A5: 'Profile of returned migrant workers (2016).' there, "
        "'A different 2016 survey on clinics.' here. Use different keys for different sources."
    ]


def test_principle_disagreement_reported_and_decided(write_workbook: WriteWorkbook, workspace: Path, contribution_data: dict[str, Any]) -> None:
    _two_ministries(write_workbook, contribution_data)
    prepared = prepare(workspace)
    rights = next(p for p in prepared.submission.principles if p.principle == "human-rights")
    assert (rights.integrated, rights.decided_by, rights.disagreement) == (False, "coordinator", True)
    assert [str(d) for d in prepared.diagnostics if d.code == "GCM230"] == [
        "inputs/lab.xlsx, sheet Principles, cell D10: warning GCM230: Contributors disagree on whether 'Human rights' is integrated: "
        "COORD no, LAB yes. The submission says no (the coordinator's answer)."
    ]
    assert [c.kind for c in prepared.submission.conflicts] == ["principle"]
    others = [p for p in prepared.submission.principles if p.principle != "human-rights"]
    assert all(p.decided_by == "unanswered" and p.integrated is None for p in others)


def test_without_coordinator_yes_wins_when_explained(write_workbook: WriteWorkbook, workspace: Path, contribution_data: dict[str, Any]) -> None:
    write_workbook(contribution_data)
    health = copy.deepcopy(contribution_data)
    health["contributor"] = "HEALTH"
    health["principles"] = [{"principle": "human-rights", "integrated": False}]
    write_workbook(health)
    rights = next(p for p in prepare(workspace).submission.principles if p.principle == "human-rights")
    assert (rights.integrated, rights.decided_by) == (True, "explanation")


def test_left_out_lists_everything_not_used(write_workbook: WriteWorkbook, workspace: Path, contribution_data: dict[str, Any]) -> None:
    contribution_data["references"].append({"key": "spare", "citation": "Never cited."})
    path = write_workbook(contribution_data)
    edit_cells(path, "Statistics", {"A6": "Second figure", "B6": "5", "C6": "about a thousand"})
    edit_cells(path, "Answers", {"K9": "A note typed beside the table"})
    (workspace / "inputs" / "notes.xlsx").write_bytes(b"not a workbook")
    left = [(e.file, e.sheet, e.cell, e.value, e.reason) for e in prepare(workspace).submission.left_out]
    assert left == [
        ("inputs/lab.xlsx", "Answers", "K9", "A note typed beside the table", "outside the table"),
        ("inputs/lab.xlsx", "Statistics", "C6", "about a thousand",
         "'about a thousand' is not a number. Write digits only (e.g. 1500 or 12.5) and put the unit in the Unit column."),
        ("inputs/lab.xlsx", "Statistics", "A6", "Second figure", "the row has errors, so it was not used"),
        ("inputs/lab.xlsx", "Statistics", "B6", "5", "the row has errors, so it was not used"),
        ("inputs/notes.xlsx", "", "", "", "whole file not read: This is not an Excel workbook (text or CSV). Send the .xlsx workbook made by `gcmreview workbook`."),
        ("inputs/lab.xlsx", "References", "A6,B6", "Never cited.", "reference never cited"),
    ]


def test_a_disagreement_among_many_contributors_is_counted_not_listed() -> None:
    """With hundreds of contributors the warning counts the votes and names the dissenters (ten at most)."""
    from gcmreview.consolidate import _votes_shown
    from gcmreview.submission import PrincipleVote, Provenance

    def vote(code: str, integrated: bool) -> PrincipleVote:
        return PrincipleVote(segment=f"{code}/p", contributor=code, integrated=integrated,
                             source=Provenance(contributor=code, file=f"inputs/{code.lower()}.xlsx"))

    few = [vote("NCCT", True), vote("LAB", False)]
    assert _votes_shown(few, True) == "NCCT yes, LAB no"
    many = [vote(f"M{n:03d}", n % 5 != 0) for n in range(1, 301)]
    assert _votes_shown(many, True) == ("240 yes, 60 no; no: M005, M010, M015, M020, M025, M030, M035, M040, M045, M050 "
                                        "and 50 more")
    assert _votes_shown(many[:20], False) == ("16 yes, 4 no; yes: M001, M002, M003, M004, M006, M007, M008, M009, M011, "
                                              "M012 and 6 more")
