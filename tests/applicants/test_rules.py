"""The pure rules: profile links per site, literal search patterns, cursors, CSV cells, upload
names, and recognising résumé files by their bytes."""

from __future__ import annotations

import io
import os
import zipfile
from datetime import UTC, datetime

import pytest

from tests.applicants.helpers import doc_bytes, docx_bytes, pdf_bytes, plain_zip_bytes, png_bytes
from wegotwork.applicants import rules
from wegotwork.applicants.files import DOC, DOCX, PDF, sniff, zip_entry_names
from wegotwork.errors import UnsupportedMediaType
from wegotwork.schemas import decode_cursor, encode_cursor


@pytest.mark.parametrize(
    ("site", "given", "expected"),
    [
        (
            rules.LINKEDIN,
            "https://www.linkedin.com/in/ada-lovelace/",
            "https://www.linkedin.com/in/ada-lovelace",
        ),
        (rules.LINKEDIN, "linkedin.com/in/ada?trk=x#top", "https://linkedin.com/in/ada"),
        (rules.LINKEDIN, "http://de.linkedin.com/in/ada", "https://de.linkedin.com/in/ada"),
        (rules.TWITTER, "@ada_l", "https://x.com/ada_l"),
        (rules.TWITTER, "https://twitter.com/ada", "https://twitter.com/ada"),
        (rules.TWITTER, "x.com/ada", "https://x.com/ada"),
        (rules.GITHUB, "https://github.com/ada-l", "https://github.com/ada-l"),
        (rules.GITHUB, "github.com/ada/engine.py", "https://github.com/ada/engine.py"),
    ],
)
def test_profile_links_are_normalised(site: rules.Site, given: str, expected: str) -> None:
    assert rules.normalize_profile_url(site, given) == expected


@pytest.mark.parametrize(
    ("site", "given"),
    [
        (rules.LINKEDIN, "https://evil.com/in/ada"),
        (rules.LINKEDIN, "https://linkedin.com.evil.com/in/ada"),
        (rules.LINKEDIN, "https://www.linkedin.com/feed"),
        (rules.LINKEDIN, "javascript:alert(1)//linkedin.com/in/ada"),
        (rules.LINKEDIN, "https://user:pw@linkedin.com/in/ada"),
        (rules.LINKEDIN, "https://linkedin.com:8443/in/ada"),
        (rules.TWITTER, "https://x.com/this_handle_is_too_long"),
        (rules.TWITTER, "https://x.com/home"),
        (rules.TWITTER, "https://x.com/ada/status/1"),
        (rules.GITHUB, "https://github.com/-ada"),
        (rules.GITHUB, "https://gist.github.com/ada"),
        (rules.GITHUB, "ftp://github.com/ada"),
        (rules.GITHUB, "https://github.com/settings"),
    ],
)
def test_links_to_other_sites_or_pages_are_refused(site: rules.Site, given: str) -> None:
    with pytest.raises(ValueError, match=site.label.split(" ")[0]):
        rules.normalize_profile_url(site, given)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [("ada", "%ada%"), ("100%", "%100\\%%"), ("a_b", "%a\\_b%"), ("c:\\x", "%c:\\\\x%")],
)
def test_like_patterns_escape_wildcards(text: str, pattern: str) -> None:
    assert rules.like_pattern(text) == pattern


def test_cursors_round_trip_and_refuse_forgeries() -> None:
    moment = datetime(2026, 11, 28, 12, 30, 15, 123456, tzinfo=UTC)
    cursor = encode_cursor(moment, "abc123")
    assert "=" not in cursor
    assert decode_cursor(cursor) == (moment, "abc123")
    for forged in ("", "not base64 !", "W10", encode_cursor(moment, "x")[:-3]):
        with pytest.raises(ValueError, match="Invalid cursor"):
            decode_cursor(forged)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ada", "Ada"),
        (None, ""),
    ],
)
def test_csv_cells_never_start_a_formula(value: str | None, cell: str) -> None:
    assert rules.csv_cell(value) == cell


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("cv.pdf", None),
        ("Zoë Müller – CV (final).docx", None),
        ("../cv.pdf", "path"),
        ("dir\\cv.pdf", "path"),
        ("..", "path"),
        ("cv\x00.pdf", "characters"),
        ("cv\n.pdf", "characters"),
        ("a" * 256, "too long"),
    ],
)
def test_upload_names(name: str, problem: str | None) -> None:
    found = rules.upload_name_problem(name)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_stored_names_carry_the_real_extension() -> None:
    assert rules.stored_filename("CV.PDF", PDF) == "CV.PDF"
    assert rules.stored_filename("cv.docx", PDF) == "cv.pdf"
    assert rules.stored_filename("cv", DOCX) == "cv.docx"
    assert rules.stored_filename("my.cv", DOC) == "my.cv.doc"
    assert rules.stored_filename('"quoted".pdf', PDF) == "_quoted_.pdf"


def test_files_are_recognised_by_their_bytes() -> None:
    assert sniff(pdf_bytes()) == PDF
    assert sniff(doc_bytes()) == DOC
    assert sniff(docx_bytes()) == "zip"
    for refused in (png_bytes(), b"<html>", b"%PD", b"just text"):
        with pytest.raises(UnsupportedMediaType):
            sniff(refused)


def test_a_docx_is_a_zip_that_lists_word_document_xml() -> None:
    docx = docx_bytes()
    names = zip_entry_names(docx, len(docx))
    assert names is not None
    assert "word/document.xml" in names
    plain = plain_zip_bytes()
    assert zip_entry_names(plain, len(plain)) == ["notes.txt"]
    assert zip_entry_names(b"PK\x03\x04" + b"\x00" * 100, 104) is None
    # Only the last bytes of a big file are kept while it streams: enough for the directory.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/media/photo.bin", os.urandom(300_000))
        archive.writestr("word/document.xml", "<w:document/>")
    big = buffer.getvalue()
    tail = big[-64 * 1024 :]
    assert zip_entry_names(tail, len(big)) == ["word/media/photo.bin", "word/document.xml"]
