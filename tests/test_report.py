"""The coordinator's report (build/report.html): one self-contained page on where the review stands."""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import WriteWorkbook

from gcmreview.catalogs import template_catalog
from gcmreview.i18n import translator
from gcmreview.prepared import prepare
from gcmreview.render.report import MESSAGES, coverage, render_report, render_reports
from gcmreview.render.report.charts import CellCount
from gcmreview.render.report.svg import clip_text
from gcmreview.render.templates import packaged_templates
from gcmreview.survey.languages import language
from gcmreview.text import word_count

SAVED = dt.datetime(2020, 8, 14, 9, 30).timestamp()


# ---------------------------------------------------------------- a tiny DOM over html.parser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.content: list[str | Node] = []

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.content)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def iter(self) -> list[Node]:
        out = [self]
        for child in self.children:
            out += child.iter()
        return out

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        """Descendants matching a tag, a class and attribute values (``data_x`` means ``data-x``)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            n for n in self.iter()[1:]
            if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
            and all(n.attrs.get(k) == v for k, v in wanted.items())
        ]

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node:
        found = self.find(tag, cls, **attrs)
        assert len(found) == 1, f"expected one {tag} .{cls} {attrs}, found {len(found)}"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root
        self.all_attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.all_attrs += [(tag, k, v) for k, v in values.items()]
        node = Node(tag, values, self.current)
        self.current.children.append(node)
        self.current.content.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.content.append(data)


def parse_html(html: str) -> tuple[Node, list[tuple[str, str, str]]]:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root, builder.all_attrs


# ---------------------------------------------------------------- the workspace


def build_report_workspace(workspace: Path, write_workbook: WriteWorkbook, contribution_data: dict[str, Any]) -> Path:
    """COORD and LAB send workbooks, HEALTH does not.

    LAB is the conftest contribution: answer 1a (objectives 2, 6), answer 6 (23, English
    only), an action (5, 6) and a statistic (5). COORD answers 1a (objective 7) only,
    says no to human rights (LAB says yes), has a wrong e-mail and a reference it
    never cites. Nobody covers objective 12.
    """
    lab = write_workbook()
    os.utime(lab, (SAVED, SAVED))
    coord = dict(contribution_data)
    coord.update(
        contributor="COORD",
        identity={**contribution_data["identity"], "ministry": "Coordinating secretariat", "email": "not-an-email",
                  "contact_person": "<b onmouseover=alert(1)>Eve</b>"},
        answers=[{"question": "1a", "objectives": [7], "text": {"en": "The secretariat coordinates the review."}}],
        actions=[],
        statistics=[],
        principles=[{"principle": "human-rights", "integrated": False}],
        references=[{"key": "unused", "citation": "<script>alert('x')</script> Never cited (2019).", "year": 2019}],
    )
    write_workbook(coord)
    return workspace


@pytest.fixture
def report_workspace(workspace: Path, write_workbook: WriteWorkbook, contribution_data: dict[str, Any]) -> Path:
    return build_report_workspace(workspace, write_workbook, contribution_data)


@pytest.fixture
def page(report_workspace: Path) -> str:
    return render_report(prepare(report_workspace), report_workspace, "en")


@pytest.fixture
def dom(page: str) -> Node:
    return parse_html(page)[0]


def block(dom: Node, lang: str) -> Node:
    return dom.one(data_lang_block=lang)


# ---------------------------------------------------------------- self-contained


def test_page_references_nothing_outside_itself(page: str) -> None:
    dom, attrs = parse_html(page)
    loading = {"src", "srcset", "data", "poster", "action", "formaction", "background", "ping", "manifest", "xlink:href"}
    for tag, name, value in attrs:
        assert name not in loading, f"<{tag} {name}={value!r}> loads a resource"
        if name == "href":
            assert value.startswith("#"), f"<{tag} href={value!r}> points outside the page"
    assert not dom.find("link") and not dom.find("img") and not dom.find("iframe") and not dom.find("object")
    assert not re.search(r"https?:|//[\w.-]+\.\w", page), "no web address anywhere in the page"
    style = dom.one("style").text
    assert style.strip() and "@import" not in style and "url(" not in style
    assert "url(" not in page and "@import" not in page
    scripts = dom.find("script")
    assert len(scripts) == 1 and "src" not in scripts[0].attrs
    csp = dom.one("meta", http_equiv="Content-Security-Policy").attrs["content"]
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp
    assert not [a for a in attrs if a[1] == "style"], "the CSP forbids style attributes"


def test_workbook_text_is_escaped(page: str, dom: Node) -> None:
    assert "<b onmouseover" not in page and "&lt;b onmouseover=alert(1)&gt;Eve&lt;/b&gt;" in page
    assert "<script>alert" not in page
    assert "<script>alert('x')</script> Never cited" in block(dom, "en").one("table", "left-out").text


# ---------------------------------------------------------------- heatmap


def test_heatmap_has_every_objective_and_every_contributor(dom: Node) -> None:
    svg = block(dom, "en").one("svg", "heatmap")
    assert svg.attrs["role"] == "img" and "Coverage of the GCM objectives" in svg.attrs["aria-label"]
    assert svg.one("title", id="heatmap-en-title").text and svg.one("desc").text
    assert svg.attrs["aria-labelledby"] == "heatmap-en-title heatmap-en-desc"
    rows = svg.find("g", "hm-row")
    assert len(rows) == 23 and sorted(int(r.attrs["data-objective"]) for r in rows) == list(range(1, 24))
    assert [r.attrs["data-objective"] for r in rows[:5]] == ["2", "5", "6", "12", "18"], "grouped by cluster"
    assert len(svg.find("g", "hm-cluster")) == 4
    columns = svg.find("g", "hm-col")
    assert [c.attrs["data-contributor"] for c in columns] == ["COORD", "LAB", "HEALTH"]
    assert [c.attrs["data-received"] for c in columns] == ["true", "true", "false"]
    for row in rows:
        assert len(row.find("g", "hm-cell")) == 3
    assert "no workbook" in svg.one("g", "hm-col", data_contributor="HEALTH").text


def test_heatmap_counts_answers_actions_and_statistics(dom: Node) -> None:
    svg = block(dom, "en").one("svg", "heatmap")

    def cell(objective: int, code: str) -> Node:
        return svg.one("g", "hm-cell", data_objective=str(objective), data_contributor=code)

    six = cell(6, "LAB")  # answer 1a + the action
    assert (six.attrs["data-count"], six.attrs["data-answers"], six.attrs["data-actions"], six.attrs["data-statistics"]) == ("2", "1", "1", "0")
    five = cell(5, "LAB")  # the action + the statistic (placed under 1a and 1b, counted once)
    assert (five.attrs["data-count"], five.attrs["data-actions"], five.attrs["data-statistics"]) == ("2", "1", "1")
    assert cell(2, "LAB").attrs["data-count"] == "1" and cell(23, "LAB").attrs["data-count"] == "1"
    assert cell(7, "COORD").attrs["data-count"] == "1" and cell(7, "LAB").attrs["data-count"] == "0"
    assert "2" in six.text and "Objective 6, LAB: 1 answers, 1 actions, 0 statistics" in six.one("title").text
    assert svg.one("g", "hm-row-total", data_objective="6").attrs["data-count"] == "2"
    assert svg.one("g", "hm-col-total", data_contributor="LAB").attrs["data-count"] == "6"
    assert svg.one("g", "hm-col-total", data_contributor="HEALTH").attrs["data-count"] == "0"
    assert svg.one("g", "hm-grand-total").attrs["data-count"] == "7"


def test_uncovered_objective_is_marked_not_by_colour_alone(dom: Node) -> None:
    en = block(dom, "en")
    svg = en.one("svg", "heatmap")
    twelve = svg.one("g", "hm-row", data_objective="12")
    assert twelve.attrs["data-covered"] == "false" and "hm-uncovered" in twelve.classes
    assert twelve.find("path", "hm-hatch") and twelve.find("rect", "hm-uncovered-outline")
    assert "not covered" in twelve.text and "✗" in twelve.one("text", "hm-uncovered-label").text
    six = svg.one("g", "hm-row", data_objective="6")
    assert six.attrs["data-covered"] == "true" and not six.find("path", "hm-hatch")
    assert "12" in svg.attrs["data-uncovered"].split(",") and "6" not in svg.attrs["data-uncovered"].split(",")
    assert "Objectives nobody covered:" in svg.one("desc").text
    listed = en.one("ul", "uncovered").one("li", data_objective="12")
    assert "Strengthen certainty and predictability" in listed.text
    assert en.one(data_summary="uncovered").one("dd").text == "18 of 23"


def test_coverage_counts_each_item_once(workspace: Path, write_workbook: WriteWorkbook, contribution_data: dict[str, Any]) -> None:
    """An action serving objectives of two clusters is placed under two questions but counted once per objective."""
    contribution_data["actions"][0]["objectives"] = [5, 23]
    contribution_data["statistics"][0]["objectives"] = [5, 1]
    write_workbook(contribution_data)
    sub = prepare(workspace).submission
    assert sum(len(g.actions) for a in sub.answers for g in a.actions) == 2, "the action appears under 1b and 4b"
    counts = coverage(sub)
    assert counts[5, "LAB"] == CellCount(answers=0, actions=1, statistics=1)
    assert counts[23, "LAB"] == CellCount(answers=1, actions=1, statistics=0)
    assert counts[1, "LAB"] == CellCount(answers=0, actions=0, statistics=1)
    assert (12, "LAB") not in counts


# ---------------------------------------------------------------- contributors, problems, questions


def test_missing_contributor_is_reported_missing(dom: Node) -> None:
    en = block(dom, "en")
    row = en.one("table", "contributors").one("tr", data_contributor="HEALTH")
    assert row.attrs["data-state"] == "missing" and "✗ missing" in row.text
    assert "Ministry of Health" in row.text
    hint = en.one("details", "problems", data_contributor="HEALTH").text
    assert "No workbook received from HEALTH (Ministry of Health)" in hint and "health.xlsx" in hint
    assert en.one(data_summary="received").one("dd").text == "2 of 3"


def test_received_contributor_shows_file_date_and_problems_with_cells(dom: Node) -> None:
    en = block(dom, "en")
    lab = en.one("table", "contributors").one("tr", data_contributor="LAB")
    assert lab.attrs["data-state"] == "received" and "inputs/lab.xlsx" in lab.text
    assert dt.datetime.fromtimestamp(SAVED).strftime("%Y-%m-%d %H:%M") in lab.text
    assert "2020-08-14" in lab.text
    problems = en.one("details", "problems", data_contributor="COORD")
    email = problems.one("tr", data_code="GCM204")
    assert "error" in email.classes and "inputs/coord.xlsx" in email.text and "Contributor" in email.text
    assert email.attrs["data-cell"] and re.fullmatch(r"[A-Z]+\d+", email.attrs["data-cell"])
    unused = problems.one("tr", data_code="GCM203")
    assert "warning" in unused.classes and "References" in unused.text
    coord = en.one("table", "contributors").one("tr", data_contributor="COORD")
    assert [td.text.strip() for td in coord.find("td", "num")][:2] == ["1", "1"]


def test_questions_show_who_answered_and_words(dom: Node, report_workspace: Path, contribution_data: dict[str, Any]) -> None:
    table = block(dom, "en").one("table", "questions")
    one_a = table.one("tr", data_question="1a")
    assert one_a.attrs["data-answered"] == "COORD,LAB"
    text = contribution_data["answers"][0]["text"]["en"].replace(" [@survey2016]", "")
    words = word_count(text, "en")
    assert f"en {words}" in " ".join(one_a.one("td", data_contributor="LAB").text.split())
    assert "actions: 1" in " ".join(table.one("tr", data_question="1b").one("td", data_contributor="LAB").text.split())
    merged = one_a.one("td", "words", data_lang="en")
    assert merged.attrs["data-words"] == str(words + word_count("The secretariat coordinates the review.", "en"))
    assert merged.one("svg", "word-bar").attrs["data-limit"] == "500"
    assert "not translated" in one_a.one("td", "words", data_lang="km").text
    assert table.one("tr", data_question="2c").attrs["data-answered"] == "" and "nobody" in table.one("tr", data_question="2c").text


# ---------------------------------------------------------------- principles, conflicts, translations, left out


def test_principles_by_contributor_with_disagreement(dom: Node) -> None:
    table = block(dom, "en").one("table", "principles")
    rights = table.one("tr", data_principle="human-rights")
    assert rights.attrs["data-disagreement"] == "true" and "disagreement" in rights.classes
    votes = {td.attrs["data-contributor"]: td.attrs["data-vote"] for td in rights.find("td", "vote")}
    assert votes == {"COORD": "no", "LAB": "yes", "HEALTH": "no-workbook"}
    assert "the coordinator's answer" in rights.text
    other = table.one("tr", data_principle="people-centred")
    assert other.attrs["data-disagreement"] == "false"
    assert {td.attrs["data-vote"] for td in other.find("td", "vote")} == {"absent", "no-workbook"}
    assert other.attrs["data-answered"] == "false" and "nobody answered" in other.one("th").text
    assert rights.attrs["data-answered"] == "true"
    assert block(dom, "en").one(data_summary="unanswered-principles").one("dd").text == "9 of 10"
    conflict = block(dom, "en").one("ol", "conflicts").one("li", data_kind="principle")
    assert "inputs/coord.xlsx" in conflict.text and "inputs/lab.xlsx" in conflict.text and "Principles" in conflict.text


def test_pending_translations_and_left_out_have_their_cells(dom: Node) -> None:
    en = block(dom, "en")
    km = en.one("table", "pending", data_lang="km")
    six = km.one("tr", data_segment="LAB/answer/6")
    assert six.attrs["data-status"] == "missing" and "answer to question 6" in six.text
    assert "inputs/lab.xlsx" in six.text and "Answers" in six.text and re.fullmatch(r"[A-Z]+\d+", six.one("td", "cell").text)
    counts = en.one("table", "translation-status").one("tr", data_contributor="LAB")
    assert counts.one("td", data_lang="km", data_status="missing").text.strip() != "0"
    left = en.one("table", "left-out").find("tr", data_file="inputs/coord.xlsx")
    assert len(left) == 1 and "reference never cited" in left[0].text and "References" in left[0].text
    assert left[0].attrs["data-cell"]


# ---------------------------------------------------------------- languages


def test_every_language_is_on_the_page(page: str, dom: Node, report_workspace: Path) -> None:
    en, km = block(dom, "en"), block(dom, "km")
    assert "hidden" not in en.attrs and "hidden" in km.attrs
    assert en.attrs["lang"] == "en-GB" and km.attrs["lang"] == "km-KH"
    assert dom.one("html").attrs["lang"] == "en-GB"
    buttons = dom.find("button", data_switch_lang="km")
    assert len(buttons) == 1 and buttons[0].attrs["aria-pressed"] == "false"
    t = translator("km")
    assert t("Question") != "Question" and t("Question") in km.text and t("Question") not in en.text
    assert "ក្រសួងសុខាភិបាល" in km.one("table", "contributors").text  # HEALTH's name in Khmer
    assert len(km.one("svg", "heatmap").find("g", "hm-row")) == 23
    assert len(set(re.findall(r'\sid="([^"]+)"', page))) == len(re.findall(r'\sid="([^"]+)"', page)), "ids are unique"


def test_render_reports_writes_one_page_per_language(report_workspace: Path) -> None:
    pages = render_reports(prepare(report_workspace), report_workspace)
    assert sorted(pages) == ["report.html", "report.km.html"]
    km = parse_html(pages["report.km.html"])[0]
    assert km.one("html").attrs["lang"] == "km-KH"
    assert "hidden" not in block(km, "km").attrs and "hidden" in block(km, "en").attrs
    with pytest.raises(ValueError, match="not a language of this review"):
        render_report(prepare(report_workspace), report_workspace, "lo")


def test_unreadable_workbook_is_not_reported_missing(report_workspace: Path) -> None:
    (report_workspace / "inputs" / "health.xlsx").write_bytes(b"not a workbook")
    dom = parse_html(render_report(prepare(report_workspace), report_workspace))[0]
    row = block(dom, "en").one("table", "contributors").one("tr", data_contributor="HEALTH")
    assert row.attrs["data-state"] == "unreadable" and "cannot be read" in row.text and "inputs/health.xlsx" in row.text


def test_every_label_is_a_marked_msgid() -> None:
    """Labels the template shows are in report.MESSAGES, which the catalogs extract."""
    source = (packaged_templates() / "report.html.j2").read_text(encoding="utf-8")
    used = set(re.findall(r"""\b_\(\s*(?:"([^"]*)"|'([^']*)')\s*\)""", source))
    labels = {a or b for a, b in used}
    labels |= {a or b for a, b in re.findall(r"""view\.t\(\s*(?:"([^"]*)"|'([^']*)')\s*\)""", source)}
    assert labels and not labels - set(MESSAGES), f"labels not in MESSAGES: {sorted(labels - set(MESSAGES))}"
    catalog = template_catalog()
    assert not [m for m in MESSAGES if m not in catalog], "run `nox -s catalogs`: new labels are not extracted"


def test_clip_text_never_cuts_inside_a_letter() -> None:
    khmer = "ផ្តល់លទ្ធភាពទទួលបានសេវាមូលដ្ឋានសម្រាប់ជនទេសន្តរប្រវេសន៍"
    clipped = clip_text(khmer, 120, 12)
    kept = clipped[:-1]
    assert clipped.endswith("…") and kept and khmer.startswith(kept)
    following = khmer[len(kept)]
    assert not unicodedata.category(following).startswith("M") and kept[-1] != "\u17d2", "cut inside a syllable"
    assert clip_text("short", 500, 12) == "short"


def test_missing_workbook_shows_in_check_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The coordinator removes one ministry's workbook: check and the page both say it is missing."""
    import shutil

    from gcmreview.cli import main

    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / "inputs", tmp_path / "inputs")
    (tmp_path / "inputs" / "moh.xlsx").unlink()
    assert main(["check", str(tmp_path), "--report"]) == 0
    out = capsys.readouterr().out
    assert "inputs/: warning GCM112: No workbook received from MOH (Ministry of Health)." in out
    assert "Workbooks: 5 of 6 contributors received (missing: MOH)" in out
    page = (tmp_path / "build" / "report.html").read_text(encoding="utf-8")
    assert '<tr data-contributor="MOH" data-state="missing" class="state-missing">' in page
    assert '<tr data-contributor="MOP" data-state="missing"' not in page


def own_text(node: Node) -> str:
    """The text of ``node`` that is in its language: not inside a descendant with its own ``lang``, a style or a script."""
    return "".join(
        c if isinstance(c, str) else ("" if "lang" in c.attrs or c.tag in ("style", "script") else own_text(c))
        for c in node.content
    )


def effective_lang(node: Node) -> str:
    while "lang" not in node.attrs:
        assert node.parent is not None, f"no lang on or above <{node.tag}>"
        node = node.parent
    return node.attrs["lang"]


def test_every_lang_attribute_is_the_language_of_its_words(report_workspace: Path) -> None:
    """An element tagged with a language holds words in that language's script, and none in another review language's."""
    review_languages = [language(code) for code in ("en", "km")]
    tags = {tag: lang for lang in review_languages for tag in (lang.code, lang.locale)}
    heading = translator("km")("Texts to translate")
    for name, page in render_reports(prepare(report_workspace), report_workspace).items():
        dom = parse_html(page)[0]
        tagged = [n for n in dom.iter() if "lang" in n.attrs]
        assert len(tagged) > 5, name
        for node in tagged:
            lang, text = tags[node.attrs["lang"]], own_text(node)
            letters = [ch for ch in text if ch.isalpha()]
            others = [o for o in review_languages if o is not lang and o.complex_script]
            where = f"{name}: <{node.tag} lang={node.attrs['lang']}> {' '.join(text.split())[:80]!r}"
            assert not letters or any(lang.owns(ch) for ch in letters), where
            assert not any(o.found_in(text) for o in others), where
        for code in ("en", "km"):
            main = block(dom, code)
            words = heading if code == "km" else "Texts to translate"
            headings = [h for h in main.find("h3") if words in h.text]
            assert len(headings) == 2, (name, code)
            assert all(effective_lang(h) == main.attrs["lang"] for h in headings), (name, code)
            assert all(h.one("span", lang="km-KH").text == "ភាសាខ្មែរ" for h in headings if "(km)" in h.text)
